"""The retention job: each thing whose time is up is deleted, and nothing still needed.

The tracker store is a real SQLite file with the `events` table exactly as Rasa 3.6's
SQLTrackerStore creates it (rasa/core/tracker_store.py, SQLEvent). Time passing is set
up by storing rows with old times, never by waiting.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

import backend.retention.schedule
from backend.app import create_app
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.retention.job import PurgeReport, purge
from backend.retention.settings import RetentionSettings
from backend.timeutil import utcnow
from tests.backend.alerts_support import alert_body
from tests.backend.concerns.support import concern_body
from tests.backend.conftest import SERVICE_TOKEN, login
from tests.helpers import sqlite_rows, wait_for_async

ROOT = Path(__file__).resolve().parents[3]
# Rasa 3.6's SQLEvent table, column for column.
RASA_EVENTS_DDL = (
    "CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)
CHILD_WORDS = "he hit me again last night"


def _db(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


def _sql(path: Path, query: str, *args: object) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(query, args)


def _stamp(moment: datetime) -> str:
    """How the backend's UTCDateTime stores a time in SQLite."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "rasa_tracker.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(RASA_EVENTS_DDL)
    return path


@pytest.fixture
def retained(settings: Settings, tracker: Path) -> Settings:
    return dataclasses.replace(
        settings,
        retention=RetentionSettings(tracker_url=f"sqlite:///{tracker}", conversation_days=30, transcript_days=90),
    )


def replace_run_at(settings: Settings, at: time) -> RetentionSettings:
    return dataclasses.replace(settings.retention, run_at=at)


def _events(tracker: Path, sender: str, *days_ago: float) -> None:
    now = utcnow()
    with sqlite3.connect(tracker) as conn:
        for days in days_ago:
            conn.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, ?)",
                (sender, (now - timedelta(days=days)).timestamp(), json.dumps({"text": CHILD_WORDS})),
            )


def _senders(tracker: Path) -> set[str]:
    return {r["sender_id"] for r in sqlite_rows(tracker, "SELECT DISTINCT sender_id FROM events")}


async def _run(settings: Settings) -> PurgeReport:
    engine = make_engine(settings.database_url)
    try:
        return await purge(make_sessionmaker(engine), settings, utcnow())
    finally:
        await engine.dispose()


async def _alert(client: TestClient, headers: dict[str, str], key: str, conversation: str) -> int:
    resp = await client.post("/api/v1/alerts", json=alert_body(key, conversation_id=conversation), headers=headers)
    assert resp.status == 201, await resp.text()
    return (await resp.json())["alert_id"]


async def _concern(client: TestClient, headers: dict[str, str], key: str, conversation: str) -> int:
    resp = await client.post(
        "/api/v1/concerns", json=concern_body(key, conversation_id=conversation, message=CHILD_WORDS), headers=headers
    )
    assert resp.status == 201, await resp.text()
    return (await resp.json())["concern_id"]


async def test_quiet_conversations_go_whole_and_needed_ones_stay(
    retained: Settings, tracker: Path, aiohttp_client: Callable[..., Awaitable[TestClient]], service_headers: dict
) -> None:
    client = await aiohttp_client(create_app(retained))
    _events(tracker, "quiet", 45, 40, 35)
    _events(tracker, "came-back", 45, 40, 1)  # old start, but the child came back yesterday
    _events(tracker, "this-week", 3, 2)
    _events(tracker, "open-alert", 60, 59)
    _events(tracker, "open-concern", 60, 59)
    _events(tracker, "closed-alert", 60, 59)
    await _alert(client, service_headers, "alert-open-00001", "open-alert")
    await _concern(client, service_headers, "concern-open-001", "open-concern")
    closed = await _alert(client, service_headers, "alert-closed-001", "closed-alert")
    _sql(_db(retained), "UPDATE alerts SET status = 'closed', closed_at = ? WHERE id = ?", _stamp(utcnow()), closed)

    report = await _run(retained)

    assert _senders(tracker) == {"came-back", "this-week", "open-alert", "open-concern"}
    assert report.conversations == 2 and report.conversation_events == 5
    # The kept conversations are whole: not one of their events went.
    assert len(sqlite_rows(tracker, "SELECT id FROM events WHERE sender_id = 'came-back'")) == 3


async def test_no_tracker_store_yet_is_not_an_error_and_creates_nothing(settings: Settings, tmp_path: Path) -> None:
    missing = tmp_path / "never-created.sqlite3"
    report = await _run(dataclasses.replace(settings, retention=RetentionSettings(tracker_url=f"sqlite:///{missing}")))
    assert report.conversations == 0
    assert not missing.exists()


async def test_the_childs_words_go_after_closing_and_the_period_and_the_record_stays(
    retained: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    client = await aiohttp_client(create_app(retained))
    db = _db(retained)
    long_ago, lately = _stamp(utcnow() - timedelta(days=100)), _stamp(utcnow() - timedelta(days=10))
    old_closed = await _alert(client, service_headers, "alert-000000001", "c1")
    new_closed = await _alert(client, service_headers, "alert-000000002", "c2")
    old_open = await _alert(client, service_headers, "alert-000000003", "c3")
    old_acknowledged = await _alert(client, service_headers, "alert-000000004", "c4")
    for alert_id, status, closed_at in (
        (old_closed, "closed", long_ago),
        (new_closed, "closed", lately),
        (old_acknowledged, "acknowledged", None),
    ):
        _sql(db, "UPDATE alerts SET status = ?, closed_at = ? WHERE id = ?", status, closed_at, alert_id)
    _sql(db, "UPDATE alerts SET received_at = ? WHERE id IN (?, ?)", long_ago, old_open, old_acknowledged)
    concern_closed = await _concern(client, service_headers, "concern-00000001", "c5")
    concern_to_closed_alert = await _concern(client, service_headers, "concern-00000002", "c6")
    concern_to_open_alert = await _concern(client, service_headers, "concern-00000003", "c7")
    concern_read = await _concern(client, service_headers, "concern-00000004", "c8")
    _sql(db, "UPDATE safeguarding_concerns SET status = 'closed', closed_at = ? WHERE id = ?", long_ago, concern_closed)
    for concern_id, alert_id in ((concern_to_closed_alert, old_closed), (concern_to_open_alert, old_open)):
        _sql(
            db,
            "UPDATE safeguarding_concerns SET status = 'escalated', alert_id = ?, escalated_at = ? WHERE id = ?",
            alert_id,
            long_ago,
            concern_id,
        )
    _sql(db, "UPDATE safeguarding_concerns SET status = 'read', received_at = ? WHERE id = ?", long_ago, concern_read)

    report = await _run(retained)
    assert (report.alert_transcripts, report.concern_transcripts) == (1, 2)

    alerts = {r["id"]: r for r in sqlite_rows(db, "SELECT * FROM alerts")}
    gone = alerts[old_closed]
    assert (gone["message"], json.loads(gone["preceding_turns"])) == ("", [])
    assert gone["transcript_deleted_at"] is not None
    # The record stays: category, severity, home, times.
    assert (gone["category"], gone["severity"], gone["home_code"]) == ("physical_abuse", "high", "home-1")
    assert gone["closed_at"] is not None and gone["received_at"] is not None
    for kept in (new_closed, old_open, old_acknowledged):
        assert alerts[kept]["message"] == CHILD_WORDS and alerts[kept]["transcript_deleted_at"] is None
    concerns = {r["id"]: r for r in sqlite_rows(db, "SELECT * FROM safeguarding_concerns")}
    for purged in (concern_closed, concern_to_closed_alert):
        assert (concerns[purged]["message"], json.loads(concerns[purged]["preceding_turns"])) == ("", [])
    for kept in (concern_to_open_alert, concern_read):
        assert concerns[kept]["message"] == CHILD_WORDS
    # The alert's own history says what went and why, and so does the audit log.
    kinds = [r["kind"] for r in sqlite_rows(db, "SELECT kind FROM alert_events WHERE alert_id = ?", old_closed)]
    assert kinds[-1] == "transcript_deleted"
    assert sqlite_rows(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'alert.transcript_deleted'")[0][0] == 1
    # A second run finds nothing more to do.
    again = await _run(retained)
    assert (again.alert_transcripts, again.concern_transcripts) == (0, 0)
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    page = await (await client.get(f"/staff/alerts/{old_closed}")).text()
    assert "The child's words were deleted on" in page and CHILD_WORDS not in page


async def test_expired_sessions_and_old_login_records_go_live_ones_stay(
    retained: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    client = await aiohttp_client(create_app(retained))
    db = _db(retained)
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    now = utcnow()
    for token, created, seen in (
        ("a" * 64, now - timedelta(hours=2), now - timedelta(hours=1)),  # idle too long
        ("b" * 64, now - timedelta(hours=13), now - timedelta(minutes=1)),  # past the absolute lifetime
    ):
        _sql(
            db,
            "INSERT INTO staff_sessions (token_hash, staff_user_id, csrf_token, created_at, last_seen_at) "
            "VALUES (?, 1, 'x', ?, ?)",
            token,
            _stamp(created),
            _stamp(seen),
        )
    for scope, at in (("login_addr", now - timedelta(hours=3)), ("login_addr", now - timedelta(minutes=5))):
        _sql(db, "INSERT INTO failed_attempts (scope, key, at) VALUES (?, 'x', ?)", scope, _stamp(at))
    _sql(
        db,
        "INSERT INTO staff_login_clients (staff_user_id, kind, value, last_success_at) VALUES (1, 'address', 'old', ?)",
        _stamp(now - timedelta(days=100)),
    )

    report = await _run(retained)

    assert (report.sessions, report.failed_logins, report.trusted_login_clients) == (2, 1, 1)
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 200  # the live session
    assert len(sqlite_rows(db, "SELECT id FROM failed_attempts")) == 1
    values = {r["value"] for r in sqlite_rows(db, "SELECT value FROM staff_login_clients")}
    assert "old" not in values and values  # her fresh login's address and browser stay


def test_the_purge_command_runs_from_the_command_line(settings: Settings, tracker: Path) -> None:
    _events(tracker, "quiet", 45)
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "RASA_TRACKER_URL": f"sqlite:///{tracker}",
        "RETENTION_CONVERSATION_DAYS": "30",
    }
    result = subprocess.run(
        [sys.executable, "-m", "backend", "purge"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "purge: deleted 1 conversation(s)" in result.stdout
    assert _senders(tracker) == set()


def test_a_bad_retention_setting_stops_start_up_with_the_reason(settings: Settings) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    for name, value in (("RETENTION_CONVERSATION_DAYS", "0"), ("RETENTION_TRANSCRIPT_DAYS", "ninety")):
        result = subprocess.run(
            [sys.executable, "-m", "backend", "purge"],
            cwd=ROOT,
            env={**env, name: value},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode != 0
        assert name in result.stderr


async def test_the_server_runs_the_job_by_itself(
    retained: Settings,
    tracker: Path,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _events(tracker, "quiet", 45)
    waits = iter([0.0])
    # The clock says the daily time has come at once (and then not again for a day).
    monkeypatch.setattr(backend.retention.schedule, "seconds_until", lambda at, now: next(waits, 86_400.0))
    await aiohttp_client(create_app(dataclasses.replace(retained, retention=replace_run_at(retained, time(3, 0)))))
    await wait_for_async(lambda: not _senders(tracker), within=30)
