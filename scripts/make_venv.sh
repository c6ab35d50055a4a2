#!/usr/bin/env bash
# Create (or re-create) a virtualenv from fully pinned lock files.
# Usage: scripts/make_venv.sh VENV_DIR LOCK_FILE [LOCK_FILE...] [extra pip flags...]
# Several lock files are installed together, in one pip call (.venv/dev: backend.lock + dev.lock).
# Skips all work when the venv was already built from exactly these lock files,
# so a second `make setup` costs nothing.
set -euo pipefail
venv=$1; shift
locks=()
while [[ $# -gt 0 && $1 != -* ]]; do locks+=("$1"); shift; done
python=${PYTHON:-python3}
# (for one lock file this is that file's sha256, as before)
want=$(cat "${locks[@]}" | sha256sum | cut -d' ' -f1)
stamp="$venv/.lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi
echo "==> building $venv from ${locks[*]}"
rm -rf "$venv"
"$python" -m venv "$venv"
requirements=()
for lock in "${locks[@]}"; do requirements+=(-r "$lock"); done
# --no-deps: the locks are the complete, resolved set; pip must not re-resolve it
# (Rasa 3.6 declares Python <3.11 and would otherwise pull incompatible releases).
# (grep drops the notices about optional local package folders this machine does not have)
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$@" "${requirements[@]}" 2> >(grep -v "^WARNING: Location .file:" >&2)
echo "$want" > "$stamp"
