#!/usr/bin/env bash
# The scaled deployment (`make run-scaled`, `make chaos`) puts Debian's nginx in front of the
# replicas. It runs our own nginx process with its own config (scripts/scaled.py); this only
# installs the package where it is missing, and keeps Debian from starting its default site.
set -euo pipefail
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] && exit 0
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "==> installing nginx from Debian's packages"
no_start=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    # Exit code 101: "do not start services" for the package scripts (we start our own).
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    no_start=1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
[[ -n $no_start ]] && $SUDO rm -f /usr/sbin/policy-rc.d
exit 0
