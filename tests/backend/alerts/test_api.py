"""POST /api/v1/alerts: stored durably, exactly once per idempotency key, bad bodies refused with reasons."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert, AlertEvent, AlertNotification
from backend.app import create_app
from backend.config import Settings
from backend.staff.models import AuditEntry
from tests.backend.alerts_support import RecordingHttpServer, alert_body, with_safeguarding
from tests.helpers import wait_for_async


async def _count(db: async_sessionmaker, model: Any) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_new_alert_is_stored_with_everything_staff_need(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    resp = await client.post("/api/v1/alerts", json=alert_body(), headers=service_headers)
    assert resp.status == 201
    receipt = await resp.json()
    assert receipt["status"] == "new"
    async with db() as session:
        alert = await session.get(Alert, receipt["alert_id"])
        kinds = list(await session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id)))
        audit = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "alert")))
    assert alert.message == "he hit me again last night"
    # Kept even when the child chose anonymous: staff must be able to find the child.
    assert (alert.conversation_id, alert.home_code) == ("conv-abc-123", "home-1")
    assert (alert.category, alert.severity, alert.source) == ("physical_abuse", "high", "detector")
    assert alert.preceding_turns[1] == {
        "speaker": "child",
        "text": "something bad",
        "time": "2026-11-23T10:00:05+00:00",
    }
    assert kinds == ["created"]
    assert audit == ["alert.created"]


async def test_a_repeated_idempotency_key_returns_the_same_alert_and_notifies_once(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
) -> None:
    hook = await RecordingHttpServer().start()
    try:
        client = await aiohttp_client(create_app(with_safeguarding(settings, webhook_url=hook.url + "/hook")))
        first = await client.post("/api/v1/alerts", json=alert_body("same-key-123"), headers=service_headers)
        again = await client.post("/api/v1/alerts", json=alert_body("same-key-123"), headers=service_headers)
        assert (first.status, again.status) == (201, 200)
        assert (await first.json())["alert_id"] == (await again.json())["alert_id"]
        await wait_for_async(lambda: len(hook.received) >= 1)
        await asyncio.sleep(0.3)  # time for a wrong second notification to show up
        assert len(hook.received) == 1
        assert await _count(db, Alert) == 1
        assert await _count(db, AlertNotification) == 1
    finally:
        await hook.stop()


async def test_racing_deliveries_of_one_alert_store_it_once(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    responses = await asyncio.gather(
        *(client.post("/api/v1/alerts", json=alert_body("race-key-01"), headers=service_headers) for _ in range(5))
    )
    assert sorted(r.status for r in responses) == [200, 200, 200, 200, 201]
    assert len({(await r.json())["alert_id"] for r in responses}) == 1
    assert await _count(db, Alert) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"idempotency_key": "has spaces in it"}, "idempotency_key"),
        ({"severity": "urgent"}, "severity"),
        ({"source": "email"}, "source"),
        ({"message": "x" * 5001}, "message"),
        ({"preceding_turns": [{"speaker": "child", "text": "hi", "time": None}] * 31}, "preceding_turns"),
        ({"preceding_turns": [{"speaker": "mum", "text": "hi"}]}, "preceding_turns"),
        ({"detected_at": "yesterday"}, "detected_at"),
        ({"detected_at": "2026-11-23T10:00:00"}, "detected_at"),  # no timezone: ambiguous
        ({"home": "h" * 65}, "home"),
        ({"home": "   "}, "home"),
        ({"category": "bad\ncategory"}, "category"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_a_bad_body_is_refused_with_the_reason(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, change: dict, field: str
) -> None:
    resp = await client.post("/api/v1/alerts", json=alert_body(**change), headers=service_headers)
    assert resp.status == 422
    body = await resp.json()
    assert any(field in err["loc"] for err in body["detail"]), body
    # The child's words are never echoed back in an error.
    assert "he hit me" not in await resp.text()
    assert await _count(db, Alert) == 0


async def test_a_missing_field_and_non_json_bodies_are_refused(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    body = alert_body()
    del body["conversation_id"]
    assert (await client.post("/api/v1/alerts", json=body, headers=service_headers)).status == 422
    resp = await client.post(
        "/api/v1/alerts", data="{not json", headers={**service_headers, "Content-Type": "application/json"}
    )
    assert resp.status in (400, 422)
    resp = await client.post("/api/v1/alerts", data="x", headers={**service_headers, "Content-Type": "text/plain"})
    assert resp.status == 415


async def test_outside_values_that_are_merely_unusual_are_kept_not_refused(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    """A refused alert would be lost for good: only what cannot be stored is refused."""
    body = alert_body(home="Oak House (east)", category="new_category_v2", message="", matched=[])
    resp = await client.post("/api/v1/alerts", json=body, headers=service_headers)
    assert resp.status == 201
    async with db() as session:
        alert = await session.get(Alert, (await resp.json())["alert_id"])
    assert (alert.home_code, alert.category, alert.message) == ("Oak House (east)", "new_category_v2", "")


async def test_only_the_action_server_may_post_alerts(client: TestClient, db: async_sessionmaker) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        resp = await client.post("/api/v1/alerts", json=alert_body(), headers=headers)
        assert resp.status == 401
    assert await _count(db, Alert) == 0


async def test_without_any_notifier_the_alert_is_logged(
    client: TestClient, service_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="backend.alerts"):
        await client.post("/api/v1/alerts", json=alert_body(), headers=service_headers)
    assert "no email or webhook notifier configured" in caplog.text
    assert "he hit me" not in caplog.text  # logs never carry the child's words


async def test_a_slow_webhook_never_delays_the_answer(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]], service_headers: dict[str, str]
) -> None:
    hook = await RecordingHttpServer(delay_seconds=3).start()
    try:
        client = await aiohttp_client(create_app(with_safeguarding(settings, webhook_url=hook.url)))
        started = time.monotonic()
        resp = await client.post("/api/v1/alerts", json=alert_body(), headers=service_headers)
        assert resp.status == 201
        assert time.monotonic() - started < 1.0
    finally:
        await hook.stop()


async def test_the_alert_endpoint_is_in_the_openapi_document(client: TestClient) -> None:
    spec = await (await client.get("/api/openapi.json")).json()
    assert "/api/v1/alerts" in spec["paths"]
    assert "AlertCreate" in spec["components"]["schemas"]
