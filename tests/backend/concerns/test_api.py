"""POST /api/v1/concerns: stored once per idempotency key, due in a working day, bad bodies refused with reasons."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.casework.service import working_calendar
from backend.concerns.due import due_at
from backend.concerns.models import Concern, ConcernEvent
from backend.staff.models import AuditEntry
from tests.backend.concerns.support import CHILD_WORDS, concern_body, events, load


async def _count(db: async_sessionmaker, model: Any) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_new_concern_is_stored_with_what_the_reviewer_needs(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, settings: Any
) -> None:
    resp = await client.post("/api/v1/concerns", json=concern_body(source="context"), headers=service_headers)
    assert resp.status == 201
    receipt = await resp.json()
    assert receipt == {"concern_id": receipt["concern_id"], "status": "new"}
    concern = await load(db, receipt["concern_id"])
    assert concern.message == CHILD_WORDS
    assert (concern.conversation_id, concern.home_code) == ("conv-abc-123", "home-1")
    assert (concern.category, concern.source, concern.matched) == ("sexual_abuse", "context", ["secret_at_night"])
    assert concern.preceding_turns[1] == {
        "speaker": "child",
        "text": "it's a secret",
        "time": "2026-11-23T10:00:05+00:00",
    }
    assert concern.due_at == due_at(concern.received_at, working_calendar(settings))
    assert concern.read_at is None and concern.alert_id is None
    assert [e.kind for e in await events(db, concern.id)] == ["created"]
    async with db() as session:
        audit = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "concern")))
    assert audit == ["concern.created"]


async def test_a_repeated_key_answers_200_with_the_same_concern_and_stores_nothing_more(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    first = await client.post("/api/v1/concerns", json=concern_body("same-key-123"), headers=service_headers)
    again = await client.post("/api/v1/concerns", json=concern_body("same-key-123"), headers=service_headers)
    assert (first.status, again.status) == (201, 200)
    assert (await first.json())["concern_id"] == (await again.json())["concern_id"]
    assert await _count(db, Concern) == 1
    assert await _count(db, ConcernEvent) == 1


async def test_racing_deliveries_of_one_concern_store_it_once(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    responses = await asyncio.gather(
        *(client.post("/api/v1/concerns", json=concern_body("race-key-01"), headers=service_headers) for _ in range(5))
    )
    assert sorted(r.status for r in responses) == [200, 200, 200, 200, 201]
    assert len({(await r.json())["concern_id"] for r in responses}) == 1
    assert await _count(db, Concern) == 1


async def test_only_the_action_server_may_post_concerns(client: TestClient, db: async_sessionmaker) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token"}):
        resp = await client.post("/api/v1/concerns", json=concern_body(), headers=headers)
        assert resp.status == 401
        assert (await resp.json())["error"] == "service token required"
    assert await _count(db, Concern) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"idempotency_key": "has spaces in it"}, "idempotency_key"),
        ({"source": "button"}, "source"),  # a concern comes from the detector only
        ({"severity": "high"}, "severity"),  # concerns have no severity: unknown fields are refused
        ({"message": "x" * 5001}, "message"),
        ({"preceding_turns": [{"speaker": "mum", "text": "hi"}]}, "preceding_turns"),
        ({"preceding_turns": [{"speaker": "child", "text": "hi", "time": None}] * 31}, "preceding_turns"),
        ({"detected_at": "2026-11-23T10:00:00"}, "detected_at"),  # no timezone
        ({"home": "   "}, "home"),
        ({"category": "bad\ncategory"}, "category"),
        ({"matched": "not a list"}, "matched"),
    ],
)
async def test_a_bad_body_is_refused_with_the_reason(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, change: dict, field: str
) -> None:
    resp = await client.post("/api/v1/concerns", json=concern_body(**change), headers=service_headers)
    assert resp.status == 422
    body = await resp.json()
    assert body["error"] == "validation failed"
    assert any(field in err["loc"] for err in body["detail"]), body
    # The child's words are never echoed back in an error.
    assert CHILD_WORDS not in await resp.text()
    assert await _count(db, Concern) == 0


async def test_a_missing_field_and_non_json_bodies_are_refused(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    body = concern_body()
    del body["conversation_id"]
    resp = await client.post("/api/v1/concerns", json=body, headers=service_headers)
    assert resp.status == 422
    assert ["conversation_id"] in [err["loc"] for err in (await resp.json())["detail"]]
    resp = await client.post(
        "/api/v1/concerns", data="{not json", headers={**service_headers, "Content-Type": "application/json"}
    )
    assert resp.status in (400, 422)
    resp = await client.post("/api/v1/concerns", data="x", headers={**service_headers, "Content-Type": "text/plain"})
    assert resp.status == 415


async def test_a_new_concern_is_logged_without_the_childs_words(
    client: TestClient, service_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="backend.concerns"):
        await client.post("/api/v1/concerns", json=concern_body(), headers=service_headers)
    assert "safeguarding concern 1: home home-1" in caplog.text
    assert CHILD_WORDS not in caplog.text


async def test_the_concern_endpoint_is_in_the_openapi_document(client: TestClient) -> None:
    spec = await (await client.get("/api/openapi.json")).json()
    assert set(spec["paths"]["/api/v1/concerns"]["post"]["responses"]) >= {"200", "201", "401", "422"}
    schemas = spec["components"]["schemas"]
    assert {"ConcernCreate", "ConcernReceipt"} <= set(schemas)
    assert "concern_key" in schemas["AlertCreate"]["properties"]
    assert "check_in" in str(schemas)
