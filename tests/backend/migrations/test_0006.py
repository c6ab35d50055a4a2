"""Migration 0006 on SQLite: anonymous records already stored lose their time of day; the way back works."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time
from pathlib import Path

from alembic import command

from backend.db import alembic_config
from backend.deadlines import LONDON
from tests.helpers import sqlite_rows


def _insert_submission(conn: sqlite3.Connection, ref: str, anonymous: bool, at: str) -> int:
    cur = conn.execute(
        "INSERT INTO submissions (reference, kind, what_happened, anonymous, home_code, received_at, "
        "access_code_hash, status) VALUES (?, 'complaint', 'x', ?, 'home-1', ?, 'h', 'received')",
        (ref, anonymous, at),
    )
    sub_id = cur.lastrowid
    conn.execute(
        "INSERT INTO cases (submission_id, state, received_on, stage1_extended, remedies, categories, "
        "staff_conduct, updated_at) VALUES (?, 'received', '2026-06-15', 0, '[]', '[]', 0, ?)",
        (sub_id, at),
    )
    return sub_id


def test_existing_anonymous_records_keep_the_day_and_lose_the_time(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    cfg = alembic_config(f"sqlite+aiosqlite:///{db}")
    command.upgrade(cfg, "0005")
    # 23:30 UTC on 14 June is 00:30 on 15 June in England (summer time): the day is England's.
    with sqlite3.connect(db) as conn:
        _insert_submission(conn, "CMP-AAAA-AA", True, "2026-06-14 23:30:05.000000")
        _insert_submission(conn, "CMP-BBBB-BB", False, "2026-06-14 23:30:05.000000")
        conn.execute(
            "INSERT INTO advocacy_requests (created_at, home_code, anonymous, consent_to_share, provider_name, "
            "status) VALUES ('2026-06-15 13:02:00.000000', 'home-1', 1, 1, 'p', 'new')"
        )
    command.upgrade(cfg, "head")
    rows = {
        r["reference"]: r
        for r in sqlite_rows(
            db,
            "SELECT s.reference, s.received_at, c.updated_at FROM submissions s JOIN cases c ON c.submission_id = s.id",
        )
    }
    midnight = datetime.combine(datetime(2026, 6, 15).date(), time(0), tzinfo=LONDON).astimezone(UTC)
    stored = midnight.replace(tzinfo=None)
    assert datetime.fromisoformat(rows["CMP-AAAA-AA"]["received_at"]) == stored
    assert datetime.fromisoformat(rows["CMP-AAAA-AA"]["updated_at"]) == stored
    assert rows["CMP-BBBB-BB"]["received_at"].startswith("2026-06-14 23:30:05")
    ((requested,),) = sqlite_rows(db, "SELECT created_at FROM advocacy_requests")
    assert datetime.fromisoformat(requested) == stored
    tables = {r["name"] for r in sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert "staff_login_clients" in tables
    command.downgrade(cfg, "0005")
    assert "staff_login_clients" not in {
        r["name"] for r in sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")
    }
    assert "transcript_deleted_at" not in {r["name"] for r in sqlite_rows(db, "PRAGMA table_info(alerts)")}
    command.upgrade(cfg, "head")
    assert "transcript_deleted_at" in {r["name"] for r in sqlite_rows(db, "PRAGMA table_info(alerts)")}
