"""`python -m backend users create` with homes, as the README tells a new manager to run it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from backend.config import Settings
from tests.backend.conftest import SERVICE_TOKEN

ROOT = Path(__file__).resolve().parents[2]


PASSWORD = "a long enough password"


def _run(settings: Settings, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    return subprocess.run(
        [sys.executable, "-m", "backend", "users", "create", *args],
        cwd=ROOT,
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_manager_is_created_for_two_homes(settings: Settings) -> None:
    result = _run(
        settings, "--role", "manager", "--username", "jo", "--home", "home-1", "--home", "home-2", "--email", "j@x.uk"
    )
    assert result.returncode == 0, result.stderr
    assert "created manager account 'jo' for home-1, home-2" in result.stdout
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        homes = conn.execute(
            "SELECT h.code FROM homes h JOIN home_managers m ON m.home_id = h.id "
            "JOIN staff_users u ON u.id = m.staff_user_id WHERE u.username = 'jo' ORDER BY h.code"
        ).fetchall()
        email = conn.execute("SELECT email FROM staff_users").fetchone()
    assert homes == [("home-1",), ("home-2",)]
    assert email == ("j@x.uk",)


def test_homes_are_only_for_managers_and_passwords_must_be_long(settings: Settings) -> None:
    assert _run(settings, "--role", "auditor", "--username", "a", "--home", "home-1").returncode != 0
    assert _run(settings, "--role", "auditor", "--username", "a", password="short").returncode != 0
    assert _run(settings, "--role", "auditor", "--username", "a").returncode == 0
