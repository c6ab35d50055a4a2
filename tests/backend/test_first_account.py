"""The first-staff-account command `make run` prints works exactly as printed, in a plain terminal.

The situation is copied into a temporary folder: the virtualenv and the backend package (linked),
var/secrets.env as `make setup` writes it, and a database migrated as `make run` does. The command
then runs with an environment that holds none of the secrets (a new terminal), from that folder.
"""

from __future__ import annotations

import os
import secrets
import shlex
import sqlite3
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.db import migrate
from scripts.run import FIRST_ACCOUNT_COMMAND
from scripts.stack import SECRET_KEYS

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"


def _copy_of_the_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "checkout"
    folder.mkdir()
    (folder / ".venv").symlink_to(ROOT / ".venv")
    (folder / "backend").symlink_to(ROOT / "backend")
    (folder / "var").mkdir(mode=0o700)
    env_file = folder / "var/secrets.env"
    env_file.write_text("".join(f"{key}={secrets.token_urlsafe(32)}\n" for key in SECRET_KEYS))
    env_file.chmod(0o600)
    return folder


def _terminal_env(**extra: str) -> dict[str, str]:
    """A new terminal: none of the services' secrets, no virtualenv activated."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_KEYS and k not in {"VIRTUAL_ENV", "DATABASE_URL"}}
    return {**env, **extra}


def _run(folder: Path, env: dict[str, str], username: str) -> subprocess.CompletedProcess[str]:
    command = shlex.split(FIRST_ACCOUNT_COMMAND.replace("YOURNAME", username))
    return subprocess.run(
        command, cwd=folder, env=env, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("database", ["default", "DATABASE_URL"])
def test_the_printed_command_creates_the_first_manager(tmp_path: Path, database: str) -> None:
    folder = _copy_of_the_folder(tmp_path)
    if database == "default":
        # `make run` with nothing set: var/backend.sqlite3 in the repository folder.
        db_path = folder / "var/backend.sqlite3"
        env = _terminal_env()
    else:
        db_path = tmp_path / "elsewhere.sqlite3"
        env = _terminal_env(DATABASE_URL=f"sqlite:///{db_path}")
    migrate(f"sqlite+aiosqlite:///{db_path}")  # what `make run` did before printing the command

    result = _run(folder, env, "sam")

    assert result.returncode == 0, result.stderr
    assert "created manager account 'sam'" in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT username, role FROM staff_users").fetchall() == [("sam", "manager")]


def test_a_second_account_with_the_same_name_gets_a_clear_reason(tmp_path: Path) -> None:
    folder = _copy_of_the_folder(tmp_path)
    migrate(f"sqlite+aiosqlite:///{folder / 'var/backend.sqlite3'}")
    assert _run(folder, _terminal_env(), "sam").returncode == 0

    again = _run(folder, _terminal_env(), "sam")

    assert again.returncode != 0
    assert "already an account called 'sam'" in again.stderr
    assert "Traceback" not in again.stderr


def test_before_the_database_exists_it_says_what_to_run(tmp_path: Path) -> None:
    folder = _copy_of_the_folder(tmp_path)

    result = _run(folder, _terminal_env(), "sam")

    assert result.returncode != 0
    assert "python -m backend migrate" in result.stderr
    assert "Traceback" not in result.stderr


async def test_settings_without_a_service_token_let_no_service_call_in(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    """Settings built for a command carry an empty token: a server built from them must refuse "Bearer "."""
    tokenless = Settings.from_env({"DATABASE_URL": settings.database_url}, need_service_token=False)
    client = await aiohttp_client(create_app(tokenless))

    for header in ("Bearer ", "Bearer", "bearer  "):
        resp = await client.post(
            "/api/v1/submissions",
            json={"kind": "comment", "what_happened": "more fruit please", "anonymous": True, "home": "home-1"},
            headers={"Authorization": header},
        )
        assert resp.status == 401, header
