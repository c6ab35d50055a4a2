"""Migration 0004 on SQLite: the tables, the append-only history, and a clean way back to 0003."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from backend.config import Settings
from backend.db import alembic_config, head_revision
from tests.helpers import sqlite_rows


def _path(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


def _tables(path: Path) -> set[str]:
    return {r["name"] for r in sqlite_rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}


def _alert_columns(path: Path) -> set[str]:
    return {r["name"] for r in sqlite_rows(path, "PRAGMA table_info(alerts)")}


def test_the_concern_history_is_append_only(settings: Settings) -> None:
    path = _path(settings)
    assert head_revision() >= "0004"  # later revisions keep these tables
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO safeguarding_concerns (idempotency_key, conversation_id, home_code, matched, message, "
            "preceding_turns, source, detected_at, received_at, due_at, status) VALUES "
            "('k-00000001', 'c', 'home-1', '[]', '', '[]', 'detector', '2026-12-01', '2026-12-01', '2026-12-02', 'new')"
        )
        conn.execute(
            "INSERT INTO safeguarding_concern_events (concern_id, at, kind, actor_name) "
            "VALUES (1, '2026-12-01', 'created', 'system')"
        )
    for statement in ("UPDATE safeguarding_concern_events SET kind = 'x'", "DELETE FROM safeguarding_concern_events"):
        with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(statement)


def test_downgrading_to_0003_and_back_keeps_the_alerts(settings: Settings) -> None:
    path = _path(settings)
    cfg = alembic_config(settings.database_url)
    assert {"safeguarding_concerns", "safeguarding_concern_events"} <= _tables(path)
    assert "concern_key" in _alert_columns(path)
    command.downgrade(cfg, "0003")
    assert not {"safeguarding_concerns", "safeguarding_concern_events"} & _tables(path)
    assert "concern_key" not in _alert_columns(path)
    assert "alerts" in _tables(path)
    command.upgrade(cfg, "head")
    assert "concern_key" in _alert_columns(path)
