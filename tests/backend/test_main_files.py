"""Files the backend creates are for its own account only (var/ 700, the database 600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.backend.conftest import SERVICE_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def _migrate(database: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "SERVICE_TOKEN": SERVICE_TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "backend", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_readable_by_the_backends_account_only(tmp_path: Path) -> None:
    database = tmp_path / "var" / "backend.sqlite3"
    old = os.umask(0o022)  # a usual login umask: what made var/ 755 and the files 644
    try:
        _migrate(database)
    finally:
        os.umask(old)
    assert _mode(database.parent) == 0o700
    assert _mode(database) == 0o600


def test_a_database_left_readable_by_an_older_version_is_closed_up(tmp_path: Path) -> None:
    database = tmp_path / "backend.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    _migrate(database)
    assert _mode(database) == 0o600
