"""Display names: set with `users create --display-name`, a role's plain name by default, never the username."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command

from backend.config import Settings
from backend.db import alembic_config
from tests.backend.conftest import SERVICE_TOKEN
from tests.helpers import sqlite_rows

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a long enough password"


def _path(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


def _create(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    return subprocess.run(
        [sys.executable, "-m", "backend", "users", "create", *args],
        cwd=ROOT,
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


def _names(settings: Settings) -> dict[str, str]:
    return {r["username"]: r["display_name"] for r in sqlite_rows(_path(settings), "SELECT * FROM staff_users")}


def test_users_create_stores_the_display_name_and_says_it(settings: Settings) -> None:
    result = _create(settings, "--role", "safeguarding_lead", "--username", "stay", "--display-name", "  Sam   T ")
    assert result.returncode == 0, result.stderr
    assert "shown to children as 'Sam T'" in result.stdout
    assert _names(settings) == {"stay": "Sam T"}


def test_without_a_display_name_the_role_names_the_account_never_the_username(settings: Settings) -> None:
    assert _create(settings, "--role", "manager", "--username", "jo.bloggs", "--home", "home-1").returncode == 0
    assert _create(settings, "--role", "complaints_officer", "--username", "c.officer").returncode == 0
    assert _create(settings, "--role", "auditor", "--username", "aud.one").returncode == 0
    assert _names(settings) == {
        "jo.bloggs": "the home manager",
        "c.officer": "the complaints officer",
        "aud.one": "a member of staff",
    }


def test_a_display_name_that_is_the_username_or_unusable_is_refused(settings: Settings) -> None:
    same = _create(settings, "--role", "manager", "--username", "Sam", "--display-name", "sam")
    assert same.returncode != 0 and "other than the username" in same.stderr
    for bad in ("", "   ", "x" * 65, "Sam\x07"):
        result = _create(settings, "--role", "manager", "--username", "sam2", "--display-name", bad)
        assert result.returncode != 0, bad
        assert "--display-name" in result.stderr
    assert _names(settings) == {}


def test_the_migration_names_existing_accounts_by_role(settings: Settings) -> None:
    path = _path(settings)
    cfg = alembic_config(settings.database_url)
    command.downgrade(cfg, "0004")
    assert "display_name" not in {r["name"] for r in sqlite_rows(path, "PRAGMA table_info(staff_users)")}
    with sqlite3.connect(path) as conn:
        for username, role in (("m.smith", "manager"), ("lead.x", "safeguarding_lead"), ("a.aud", "auditor")):
            conn.execute(
                "INSERT INTO staff_users (username, password_hash, role, active, created_at) "
                "VALUES (?, 'x', ?, 1, '2026-11-01 00:00:00')",
                (username, role),
            )
    command.upgrade(cfg, "0005")
    assert _names(settings) == {
        "m.smith": "the home manager",
        "lead.x": "the safeguarding lead",
        "a.aud": "a member of staff",
    }
    assert "handoff_by_id" in {r["name"] for r in sqlite_rows(path, "PRAGMA table_info(alerts)")}
    command.downgrade(cfg, "0004")
    assert len(sqlite_rows(path, "SELECT * FROM staff_users")) == 3  # the way back keeps the accounts
    command.upgrade(cfg, "head")
