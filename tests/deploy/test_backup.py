"""deploy/backup.sh and restore.sh round trips: SQLite always, PostgreSQL when a server is on 127.0.0.1:5432."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.units import ROOT
from tests.helpers import sqlite_rows

BACKUP = ROOT / "deploy/backup.sh"
RESTORE = ROOT / "deploy/restore.sh"
DBTOOL = ROOT / "deploy/dbtool.py"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def run(script: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # Only what the unit gives it (plus PATH): nothing from the test's own environment leaks in.
    return subprocess.run(
        [str(script), *args], env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True, timeout=120
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def backups(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("backend-"))


# -- SQLite ----------------------------------------------------------------------------


@pytest.fixture
def live_sqlite(tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A WAL database with an open writer holding uncheckpointed changes, as the backend leaves it."""
    path = tmp_path / "data/backend.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")  # the rows stay in the -wal file: a cp would miss them
    conn.execute("CREATE TABLE submissions (reference TEXT PRIMARY KEY, what_happened TEXT)")
    conn.executemany("INSERT INTO submissions VALUES (?, ?)", [(f"R{i:03}", f"text {i}") for i in range(200)])
    conn.commit()
    yield path, conn
    conn.close()


def test_sqlite_backup_of_a_live_database_restores_every_row(
    tmp_path: Path, live_sqlite: tuple[Path, sqlite3.Connection]
) -> None:
    path, writer = live_sqlite
    assert Path(f"{path}-wal").stat().st_size > 0
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{path}", "BACKUP_DIR": str(tmp_path / "backups")}
    done = run(BACKUP, env)
    assert done.returncode == 0, done.stderr
    (backup,) = backups(tmp_path / "backups")
    assert backup.suffix == ".sqlite3" and mode(backup) == 0o600 and mode(backup.parent) == 0o700
    assert not [p for p in backup.parent.iterdir() if p.name.startswith(".partial")]
    assert not Path(f"{backup}-wal").exists()  # a copy at rest is one file

    # Something goes wrong after the backup; the service is stopped and the backup restored.
    writer.execute("DELETE FROM submissions WHERE reference > 'R099'")
    writer.commit()
    writer.close()
    done = run(RESTORE, {"DATABASE_URL": f"sqlite:///{path}"}, str(backup))
    assert done.returncode == 0, done.stderr
    assert [tuple(r) for r in sqlite_rows(path, "SELECT count(*), max(reference) FROM submissions")] == [(200, "R199")]
    assert mode(path) == 0o600
    assert sqlite_rows(path, "PRAGMA integrity_check")[0][0] == "ok"


def test_sqlite_restore_into_an_empty_place(tmp_path: Path, live_sqlite: tuple[Path, sqlite3.Connection]) -> None:
    """A new machine: the database file does not exist yet."""
    path, _ = live_sqlite
    assert run(BACKUP, {"DATABASE_URL": f"sqlite:///{path}", "BACKUP_DIR": str(tmp_path / "b")}).returncode == 0
    target = tmp_path / "new/backend.sqlite3"
    target.parent.mkdir()
    done = run(RESTORE, {"DATABASE_URL": f"sqlite+aiosqlite:///{target}"}, str(backups(tmp_path / "b")[0]))
    assert done.returncode == 0, done.stderr
    assert sqlite_rows(target, "SELECT count(*) FROM submissions")[0][0] == 200


def test_old_backups_are_deleted_and_nothing_else(tmp_path: Path, live_sqlite: tuple[Path, sqlite3.Connection]) -> None:
    path, _ = live_sqlite
    folder = tmp_path / "backups"
    folder.mkdir()
    month_old = time.time() - 30 * 86400
    old, recent, other = folder / "backend-20200101T000000Z.sqlite3", folder / "backend-x.dump", folder / "notes.txt"
    for file in (old, recent, other):
        file.write_text("x")
    for file in (old, other):
        os.utime(file, (month_old, month_old))
    env = {"DATABASE_URL": f"sqlite:///{path}", "BACKUP_DIR": str(folder), "BACKUP_KEEP_DAYS": "14"}
    done = run(BACKUP, env)
    assert done.returncode == 0, done.stderr
    assert f"deleted old {old}" in done.stdout
    assert not old.exists() and recent.exists() and other.exists()
    assert len(backups(folder)) == 2  # the new one and the recent one


def test_a_missing_database_is_an_error_not_an_empty_backup(tmp_path: Path) -> None:
    done = run(BACKUP, {"DATABASE_URL": f"sqlite:///{tmp_path}/nothing.sqlite3", "BACKUP_DIR": str(tmp_path / "b")})
    assert done.returncode != 0 and "does not exist" in done.stderr
    assert not (tmp_path / "nothing.sqlite3").exists() and backups(tmp_path / "b") == []


def test_restore_refuses_a_backup_of_the_other_kind(tmp_path: Path) -> None:
    dump = tmp_path / "backend-1.dump"
    dump.write_text("x")
    done = run(RESTORE, {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}, str(dump))
    assert done.returncode == 2 and "not a sqlite backup" in done.stderr


# -- what the scripts read from DATABASE_URL ----------------------------------------------


def describe(url: str) -> dict[str, str]:
    done = subprocess.run(
        ["python3", str(DBTOOL), "describe"], env={"PATH": os.environ["PATH"], "DATABASE_URL": url},
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return dict(item.split("=", 1) for item in done.stdout.split("\0") if item)


def test_database_urls_as_the_backend_accepts_them() -> None:
    assert describe("sqlite+aiosqlite:////var/lib/feedback-bot/backend/backend.sqlite3") == {
        "DB_KIND": "sqlite",
        "DB_PATH": "/var/lib/feedback-bot/backend/backend.sqlite3",
    }
    assert describe("sqlite:///var/backend.sqlite3")["DB_PATH"] == "var/backend.sqlite3"
    assert describe("postgresql+asyncpg://feed%40back:p%3Ass%20w@db.example:6543/feedback?ssl=require") == {
        "DB_KIND": "postgresql",
        "PGHOST": "db.example",
        "PGPORT": "6543",
        "PGUSER": "feed@back",
        "PGPASSWORD": "p:ss w",
        "PGDATABASE": "feedback",
        "PGSSLMODE": "require",
    }
    assert describe("postgresql://feedback-bot@/feedback?host=/var/run/postgresql") == {
        "DB_KIND": "postgresql",
        "PGUSER": "feedback-bot",
        "PGDATABASE": "feedback",
        "PGHOST": "/var/run/postgresql",
    }


# -- PostgreSQL ----------------------------------------------------------------------------


def psql(database: str, sql: str) -> str:
    done = subprocess.run(
        ["psql", f"{PG_SERVER}/{database}", "-qtA", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def pg_database() -> Iterator[str]:
    if not (shutil.which("psql") and shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("PostgreSQL's client programs are not installed")
    try:
        psql("postgres", "SELECT 1")
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432 for user postgres: {exc.stderr.strip()}")
    name = f"feedback_backup_test_{uuid.uuid4().hex[:10]}"
    psql("postgres", f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_backup_and_restore(tmp_path: Path, pg_database: str) -> None:
    psql(pg_database, "CREATE TABLE submissions (reference text PRIMARY KEY, what_happened text)")
    psql(pg_database, "INSERT INTO submissions SELECT 'R' || g, 'text ' || g FROM generate_series(1, 150) g")
    env = {"DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_database}", "BACKUP_DIR": str(tmp_path)}
    done = run(BACKUP, env)
    assert done.returncode == 0, done.stderr
    (backup,) = backups(tmp_path)
    assert backup.suffix == ".dump" and mode(backup) == 0o600

    # Rows lost and a table changed after the backup: the restore puts the backup's state back.
    psql(pg_database, "DELETE FROM submissions WHERE reference <> 'R1'; ALTER TABLE submissions ADD COLUMN extra int")
    done = run(RESTORE, {"DATABASE_URL": env["DATABASE_URL"]}, str(backup))
    assert done.returncode == 0, done.stderr
    assert psql(pg_database, "SELECT count(*) FROM submissions") == "150"
    columns = psql(
        pg_database,
        "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns"
        " WHERE table_name = 'submissions'",
    )
    assert columns == "reference,what_happened"
