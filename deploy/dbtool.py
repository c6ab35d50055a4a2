"""What backup.sh and restore.sh need to know about DATABASE_URL, and SQLite's online copy.

Standard library only (the system Python runs it). The URL is read from the environment,
never from argv, where `ps` would show a password.

    dbtool.py describe              NUL-separated KEY=VALUE lines for the shell:
                                    DB_KIND=sqlite and DB_PATH, or DB_KIND=postgresql and
                                    libpq's PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE
    dbtool.py sqlite-copy SRC DEST  copy a live SQLite database with SQLite's backup API
                                    (a consistent snapshot, unlike cp), then check the copy
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

# URL query names (asyncpg's and libpq's spellings) -> libpq environment variables.
PG_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
    "database": "PGDATABASE",
    "sslmode": "PGSSLMODE",
    "ssl": "PGSSLMODE",
}


class UrlError(ValueError):
    """DATABASE_URL is missing or names something these scripts cannot back up."""


def describe(url: str) -> dict[str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise UrlError("DATABASE_URL is not set or is not a URL")
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        path = unquote(rest.split("?", 1)[0])
        # sqlite:///relative/path (3 slashes) or sqlite:////absolute/path (4): drop the empty host's slash.
        path = path[1:] if path.startswith("/") else path
        if not path or path == ":memory:":
            raise UrlError("DATABASE_URL names no SQLite file")
        return {"DB_KIND": "sqlite", "DB_PATH": path}
    if dialect in ("postgresql", "postgres"):
        return {"DB_KIND": "postgresql", **_pg_env(url)}
    raise UrlError(f"DATABASE_URL uses {dialect!r}; only sqlite and postgresql are supported")


def _pg_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    env: dict[str, str] = {}
    if parts.hostname:
        env["PGHOST"] = parts.hostname
    if parts.port:
        env["PGPORT"] = str(parts.port)
    if parts.username:
        env["PGUSER"] = unquote(parts.username)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    if parts.path.strip("/"):
        env["PGDATABASE"] = unquote(parts.path.strip("/"))
    for key, values in parse_qs(parts.query).items():
        if key in PG_QUERY_ENV:
            env[PG_QUERY_ENV[key]] = values[-1]
    if "PGDATABASE" not in env:
        raise UrlError("DATABASE_URL names no database")
    return env


def sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's backup API: a consistent copy of a database other connections may be writing."""
    if not source.is_file():
        raise FileNotFoundError(f"{source} does not exist")
    # mode=rw: a wrong path is an error here, not a new empty database.
    src = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=rw", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A copy at rest needs no -wal/-shm files beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        (result,) = dst.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise RuntimeError(f"the copy in {target} failed its integrity check: {result}")
    finally:
        dst.close()
        src.close()


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["describe"] and len(argv) == 1:
            for key, value in describe(os.environ.get("DATABASE_URL", "")).items():
                sys.stdout.write(f"{key}={value}\0")
            return 0
        if argv[:1] == ["sqlite-copy"] and len(argv) == 3:
            sqlite_copy(Path(argv[1]), Path(argv[2]))
            return 0
    except (UrlError, OSError, RuntimeError, sqlite3.Error) as exc:
        print(f"dbtool: {exc}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
