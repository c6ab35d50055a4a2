#!/usr/bin/env bash
# The backend's PostgreSQL tests need a server on 127.0.0.1:5432 that accepts the
# `postgres` user. Development machines have one already; on a bare machine this
# installs Debian's package, starts the cluster and allows loopback connections.
set -euo pipefail
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
ready() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
ready && exit 0
if ! command -v pg_ctlcluster >/dev/null; then
    echo "==> installing PostgreSQL from Debian's packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    version=$(ls /etc/postgresql | sort -V | tail -n1)
    # Our own fresh cluster: let loopback clients in without a password (tests only).
    echo "host all all 127.0.0.1/32 trust" | $SUDO tee -a "/etc/postgresql/$version/main/pg_hba.conf" >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n1)
echo "==> starting PostgreSQL $version"
$SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster "$version" main start
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL did not become ready on 127.0.0.1:5432" >&2
exit 1
