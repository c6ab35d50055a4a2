#!/usr/bin/env bash
# Back up the backend's database (DATABASE_URL) into BACKUP_DIR and delete backups older
# than BACKUP_KEEP_DAYS days. Run nightly by feedback-backup.timer; by hand:
#   sudo systemctl start feedback-backup.service
#
# - PostgreSQL: pg_dump's custom format (backend-STAMP.dump); the password goes to pg_dump
#   in its environment, never on its command line.
# - SQLite: SQLite's backup API (backend-STAMP.sqlite3), a consistent copy of a live
#   database; a plain cp of a file being written can be torn.
# Each file is 600 in a 700 folder and appears only when complete. Restore: restore.sh.
#
# What is not backed up, on purpose: Rasa's tracker store (conversations, kept only for
# days by the retention job; an alert's words are in the backend) and the alert outbox
# (alerts waiting for the backend; they are in the backend once delivered). The secrets
# in /etc/feedback-bot are kept apart from these files (deploy/README.md).
set -euo pipefail
umask 077

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=${BACKUP_DIR:?set BACKUP_DIR to the folder for the backups}
keep_days=${BACKUP_KEEP_DAYS:-14}
[[ $keep_days =~ ^[0-9]+$ ]] || { echo "backup: BACKUP_KEEP_DAYS must be a number of days" >&2; exit 2; }

# DB_KIND and DB_PATH, or DB_KIND and libpq's PG* variables, from DATABASE_URL.
unset DB_KIND DB_PATH
while IFS= read -r -d '' assignment; do
	export "${assignment?}"
done < <(python3 "$here/dbtool.py" describe)
[[ -n ${DB_KIND:-} ]] || { echo "backup: could not read DATABASE_URL" >&2; exit 2; }

mkdir -p "$dest"
chmod 700 "$dest"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
partial=$(mktemp "$dest/.partial.XXXXXX")
trap 'rm -f "$partial"' EXIT

case $DB_KIND in
postgresql)
	final="$dest/backend-$stamp.dump"
	pg_dump --format=custom --no-owner --no-privileges --file="$partial"
	pg_restore --list "$partial" >/dev/null # a truncated or empty archive fails here
	;;
sqlite)
	final="$dest/backend-$stamp.sqlite3"
	python3 "$here/dbtool.py" sqlite-copy "$DB_PATH" "$partial"
	;;
esac
chmod 600 "$partial"
mv "$partial" "$final"
trap - EXIT
echo "backup: wrote $final ($(stat -c %s "$final") bytes)"

# Old backups go: a backup keeps what the retention job has since deleted.
find "$dest" -maxdepth 1 -type f \( -name 'backend-*.dump' -o -name 'backend-*.sqlite3' \) \
	-mtime +"$keep_days" -print -delete | sed 's/^/backup: deleted old /'
