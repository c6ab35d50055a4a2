"""Live alerts with two backend replicas on one PostgreSQL database (LISTEN/NOTIFY relay).

A page connected to either replica gets every alert exactly once, whichever replica stored
it; and a replica whose listener connection is killed listens again and its pages resync.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.keys import BROADCASTER
from backend.alerts.relay import RelayedBroadcaster, encode
from backend.config import Settings
from tests.backend.alerts_support import post_alert, read_sse
from tests.backend.cluster.conftest import HEADERS, Replicas, add_staff
from tests.backend.conftest import login

# Correctness deadline only, generous for a shared machine.
LIMIT = 15.0


async def _stream(client: TestClient) -> Any:
    resp = await client.get("/staff/alerts/stream")
    assert resp.status == 200
    return read_sse(resp)


async def _next_alert(events: Any) -> dict[str, Any]:
    name, data = await asyncio.wait_for(anext(events), LIMIT)
    assert name == "alert"
    return data


def _relay(client: TestClient) -> RelayedBroadcaster:
    broadcaster = client.app[BROADCASTER]
    assert isinstance(broadcaster, RelayedBroadcaster)  # PostgreSQL: relayed, not in-process only
    return broadcaster


async def test_an_alert_through_either_replica_reaches_the_pages_on_both_exactly_once(
    pg_settings: Settings, replicas: Replicas, pg_db: async_sessionmaker
) -> None:
    a, b = await replicas(pg_settings)
    await add_staff(pg_db, "lead", "safeguarding_lead")
    await login(a, "lead")
    await login(b, "lead")
    pages = [await _stream(a), await _stream(b), await _stream(b)]
    for events in pages:
        assert await anext(events) == ("snapshot", [])
    # Each page's next event is always the alert just raised: a second copy of the one before
    # would have come first (every replica sends and hears in order). The last one closes the check.
    for i, via in enumerate((a, b, a, b)):
        receipt = await post_alert(via, HEADERS, f"cluster-live-{i}", home=f"home-{i % 2 + 1}")
        for events in pages:
            data = await _next_alert(events)
            assert (data["id"], data["status"]) == (receipt["alert_id"], "new")
            assert data["home"] == f"home-{i % 2 + 1}"


async def test_a_summary_too_long_for_a_notify_is_read_again_by_each_replica(
    pg_settings: Settings, replicas: Replicas, pg_db: async_sessionmaker
) -> None:
    a, b = await replicas(pg_settings)
    await add_staff(pg_db, "lead", "safeguarding_lead")
    await login(b, "lead")
    events = await _stream(b)
    assert await anext(events) == ("snapshot", [])
    words = "I am scared " + "😢" * 1000  # 12 bytes each in JSON: far over the 8000 PostgreSQL allows
    receipt = await post_alert(a, HEADERS, "cluster-long-1", message=words)
    assert encode({"id": receipt["alert_id"], "message": words}) == f'{{"id": {receipt["alert_id"]}}}'
    data = await _next_alert(events)
    assert (data["id"], data["message"]) == (receipt["alert_id"], words)


async def test_the_listener_reconnects_after_its_connection_is_killed_and_nothing_is_missed(
    pg_settings: Settings, replicas: Replicas, pg_db: async_sessionmaker, pg: asyncpg.Connection
) -> None:
    a, b = await replicas(pg_settings)
    await add_staff(pg_db, "lead", "safeguarding_lead")
    await login(b, "lead")
    events = await _stream(b)
    assert await anext(events) == ("snapshot", [])
    listener = _relay(b).listener
    killed = listener.server_pid
    assert killed is not None
    assert await pg.fetchval("SELECT pg_terminate_backend($1)", killed)
    # Raised while B may not be listening: B cannot hear it live, so it must come in the resync.
    during = await post_alert(a, HEADERS, "cluster-deaf-1")

    async def until_the_stream_ends() -> list[str]:
        return [name async for name, _ in events]

    # Once B listens again its open streams end, so each page reconnects to a fresh snapshot.
    await asyncio.wait_for(until_the_stream_ends(), LIMIT)
    await asyncio.wait_for(listener.wait_connected(2), LIMIT)
    assert listener.server_pid not in (None, killed)

    events = await _stream(b)
    name, snapshot = await asyncio.wait_for(anext(events), LIMIT)
    assert name == "snapshot"
    assert [x["id"] for x in snapshot] == [during["alert_id"]]
    after = await post_alert(a, HEADERS, "cluster-deaf-2")
    assert (await _next_alert(events))["id"] == after["alert_id"]
    # And A, whose listener was never touched, still hears its own.
    await login(a, "lead")
    on_a = await _stream(a)
    assert len((await anext(on_a))[1]) == 2
    last = await post_alert(b, HEADERS, "cluster-deaf-3")
    assert (await _next_alert(on_a))["id"] == last["alert_id"]
    assert (await _next_alert(events))["id"] == last["alert_id"]
