#!/usr/bin/env bash
# Put a backup made by backup.sh back into the database DATABASE_URL names.
#
#   sudo systemctl stop feedback-bot.target            # nothing may write meanwhile
#   sudo systemd-run --pty --wait --collect --uid=feedback-bot --gid=feedback-bot \
#        -p EnvironmentFile=/etc/feedback-bot/backend.env -p WorkingDirectory=/opt/feedback-bot \
#        /opt/feedback-bot/deploy/restore.sh /var/backups/feedback-bot/backend-STAMP.dump
#   sudo systemctl start feedback-bot.target           # migrations run first, as always
#
# PostgreSQL: pg_restore drops what the dump holds and recreates it, in one transaction
# (all or nothing). SQLite: the backup is copied over the database with SQLite's backup
# API, which also deals with a journal left beside it. The backup file is only read.
set -euo pipefail
umask 077

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
backup=${1:?usage: restore.sh BACKUP_FILE}
[[ -f $backup ]] || { echo "restore: $backup is not a file" >&2; exit 2; }

unset DB_KIND DB_PATH
while IFS= read -r -d '' assignment; do
	export "${assignment?}"
done < <(python3 "$here/dbtool.py" describe)
[[ -n ${DB_KIND:-} ]] || { echo "restore: could not read DATABASE_URL" >&2; exit 2; }

case $DB_KIND:$backup in
postgresql:*.dump)
	pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
		--dbname="$PGDATABASE" "$backup"
	;;
sqlite:*.sqlite3)
	python3 "$here/dbtool.py" sqlite-copy "$backup" "$DB_PATH"
	chmod 600 "$DB_PATH"
	;;
*)
	echo "restore: $backup is not a $DB_KIND backup (backend-*.dump for PostgreSQL, backend-*.sqlite3 for SQLite)" >&2
	exit 2
	;;
esac
echo "restore: $DB_KIND database restored from $backup"
