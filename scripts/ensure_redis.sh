#!/usr/bin/env bash
# The scaled deployment keeps Rasa's conversation locks in Redis on 127.0.0.1:6379.
# Development machines have one running; on a bare machine this installs Debian's
# package and starts it (in the background, keeping nothing on disk: locks only).
set -euo pipefail
ready() { command -v redis-cli >/dev/null && [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; }
ready && exit 0
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
if ! command -v redis-server >/dev/null; then
    echo "==> installing Redis from Debian's packages"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
echo "==> starting Redis on 127.0.0.1:6379"
$SUDO redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no >/dev/null
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "Redis did not become ready on 127.0.0.1:6379" >&2
exit 1
