"""Concerns on PostgreSQL (asyncpg): migration 0004, the API once per key, the alert link, figures, reminders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.concerns.figures import panel
from backend.concerns.reminders import remind_unread
from backend.concerns.scope import EVERYTHING, ConcernScope
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.timeutil import utcnow
from tests.backend.alerts_support import post_alert
from tests.backend.concerns.support import concern_body
from tests.backend.conftest import SERVICE_TOKEN
from tests.backend.test_postgres import pg_settings  # noqa: F401 - the fixture

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def test_concern_round_trip_on_postgres(
    pg_settings: Settings,  # noqa: F811 - the imported fixture
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    client = await aiohttp_client(create_app(pg_settings))
    first = await client.post("/api/v1/concerns", json=concern_body("pg-concern-1"), headers=HEADERS)
    again = await client.post("/api/v1/concerns", json=concern_body("pg-concern-1"), headers=HEADERS)
    assert (first.status, again.status) == (201, 200)
    concern_id = (await first.json())["concern_id"]
    assert (await again.json())["concern_id"] == concern_id
    staff_conduct = await client.post(
        "/api/v1/concerns",
        json=concern_body("pg-concern-2", category="staff_conduct", conversation_id="conv-other-child"),
        headers=HEADERS,
    )
    assert staff_conduct.status == 201
    bad = await client.post("/api/v1/concerns", json=concern_body("pg-concern-3", source="nope"), headers=HEADERS)
    assert bad.status == 422
    alert = await post_alert(client, HEADERS, "pg-alert-0001", source="check_in", concern_key="pg-concern-1")

    conn = await asyncpg.connect(pg_settings.database_url.replace("+asyncpg", ""))
    try:
        row = await conn.fetchrow(
            "SELECT status, alert_id, escalated_by_name, due_at > received_at AS later FROM safeguarding_concerns "
            "WHERE id=$1",
            concern_id,
        )
        assert (row["status"], row["alert_id"], row["escalated_by_name"], row["later"]) == (
            "escalated",
            alert["alert_id"],
            "the child",
            True,
        )
        assert await conn.fetchval("SELECT count(*) FROM safeguarding_concerns") == 2
        kinds = [r["kind"] for r in await conn.fetch("SELECT kind FROM safeguarding_concern_events ORDER BY id")]
        assert kinds == ["created", "created", "turned_into_alert"]
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM safeguarding_concern_events")
    finally:
        await conn.close()

    engine = make_engine(pg_settings.database_url)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            everything = await panel(session, EVERYTHING, utcnow())
            manager = await panel(session, ConcernScope(frozenset({"home-1"}), hide_staff_conduct=True), utcnow())
        assert (everything.today.raised, everything.today.by_child, everything.today.not_read) == (2, 1, 1)
        assert (manager.today.raised, manager.this_year.raised) == (1, 1)
        # The unread staff-conduct concern, a day and more later: one reminder, then none for 24 hours.
        later = utcnow() + timedelta(days=5)
        assert len(await remind_unread(sessions, pg_settings, later)) == 1
        assert await remind_unread(sessions, pg_settings, later + timedelta(hours=1)) == []
    finally:
        await engine.dispose()
