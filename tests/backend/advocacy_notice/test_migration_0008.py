"""Migration 0008 on SQLite: the notice outbox appears; requests made before it show as not passed on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from backend.db import alembic_config
from tests.helpers import sqlite_rows


def _tables(db: Path) -> set[str]:
    return {r["name"] for r in sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}


def test_older_requests_were_never_sent_so_they_show_as_not_configured(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    cfg = alembic_config(f"sqlite+aiosqlite:///{db}")
    command.upgrade(cfg, "0007")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO advocacy_requests (created_at, home_code, anonymous, consent_to_share, provider_name, "
            "status) VALUES ('2026-06-15 00:00:00.000000', 'home-1', 1, 0, 'p', 'new')"
        )
    command.upgrade(cfg, "head")
    ((notice, error),) = [
        tuple(r) for r in sqlite_rows(db, "SELECT provider_notice, provider_notice_error FROM advocacy_requests")
    ]
    assert notice == "not_configured"
    assert error.startswith("asked for before this service told providers itself")
    assert "advocacy_notices" in _tables(db)
    command.downgrade(cfg, "0007")
    assert "advocacy_notices" not in _tables(db)
    command.upgrade(cfg, "head")
    assert "advocacy_notices" in _tables(db)
