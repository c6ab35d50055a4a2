"""Alerts on PostgreSQL (asyncpg): stored once per key, escalated, acknowledged, history append-only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from backend.alerts.settings import Contact, SafeguardingSettings
from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import alert_body
from tests.backend.conftest import SERVICE_TOKEN
from tests.backend.test_postgres import pg_settings  # noqa: F401 - the fixture
from tests.helpers import wait_for_async

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def test_alert_round_trip_on_postgres(
    pg_settings: Settings,  # noqa: F811 - the imported fixture
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    configured = replace(
        pg_settings,
        safeguarding=SafeguardingSettings(
            escalate_after_seconds=0.3, tick_seconds=0.05, escalation=(Contact(name="Deputy"),)
        ),
    )
    client = await aiohttp_client(create_app(configured))
    first = await client.post("/api/v1/alerts", json=alert_body("pg-key-0001"), headers=HEADERS)
    again = await client.post("/api/v1/alerts", json=alert_body("pg-key-0001"), headers=HEADERS)
    assert (first.status, again.status) == (201, 200)
    alert_id = (await first.json())["alert_id"]
    conn = await asyncpg.connect(pg_settings.database_url.replace("+asyncpg", ""))
    try:

        async def escalated() -> bool:
            return await conn.fetchval("SELECT escalation_level FROM alerts WHERE id=$1", alert_id) == 1

        await wait_for_async(escalated, within=3)
        row = await conn.fetchrow("SELECT conversation_id, preceding_turns, status FROM alerts WHERE id=$1", alert_id)
        assert (row["conversation_id"], row["status"]) == ("conv-abc-123", "escalated")
        assert await conn.fetchval("SELECT count(*) FROM alerts") == 1
        kinds = [r["kind"] for r in await conn.fetch("SELECT kind FROM alert_events ORDER BY id")]
        assert kinds[:2] == ["created", "escalated"]
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM alert_events")
    finally:
        await conn.close()
