#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
# Installs it from Debian's packages when it is missing; does nothing otherwise.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
    exit 0
fi
echo "==> installing Debian's chromium for the browser tests"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
