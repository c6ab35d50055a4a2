#!/usr/bin/env bash
# Create (or re-create) a virtualenv from a fully pinned lock file.
# Usage: scripts/make_venv.sh VENV_DIR LOCK_FILE [extra pip flags...]
# Skips all work when the venv was already built from this exact lock file,
# so a second `make setup` costs nothing.
set -euo pipefail
venv=$1; lock=$2; shift 2
python=${PYTHON:-python3}
want=$(sha256sum "$lock" | cut -d' ' -f1)
stamp="$venv/.lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
echo "==> building $venv from $lock"
rm -rf "$venv"
"$python" -m venv "$venv"
# --no-deps: the lock is the complete, resolved set; pip must not re-resolve it
# (Rasa 3.6 declares Python <3.11 and would otherwise pull incompatible releases).
# (grep drops the notices about optional local package folders this machine does not have)
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$@" -r "$lock" 2> >(grep -v "^WARNING: Location .file:" >&2)
echo "$want" > "$stamp"
