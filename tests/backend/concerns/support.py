"""Helpers for the concern tests: a body as the action server sends it, and concerns stored at a chosen time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.casework.service import working_calendar
from backend.concerns.models import Concern, ConcernEvent
from backend.concerns.schemas import ConcernCreate
from backend.concerns.store import create_concern
from backend.config import Settings

CHILD_WORDS = "I'm not allowed to say what happens at night"


def concern_body(key: str = "concern-key-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": key,
        "conversation_id": "conv-abc-123",
        "home": "home-1",
        "category": "sexual_abuse",
        "matched": ["secret_at_night"],
        "message": CHILD_WORDS,
        "preceding_turns": [
            {"speaker": "bot", "text": "What would you like to tell us?", "time": "2026-11-23T10:00:00Z"},
            {"speaker": "child", "text": "it's a secret", "time": "2026-11-23T10:00:05Z"},
        ],
        "detected_at": datetime.now(UTC).isoformat(),
        "source": "detector",
    }
    body.update(overrides)
    return body


async def post_concern(client: TestClient, headers: dict[str, str], key: str = "concern-key-0001", **kw: Any) -> dict:
    resp = await client.post("/api/v1/concerns", json=concern_body(key, **kw), headers=headers)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def stored_at(db: async_sessionmaker, settings: Settings, received_at: datetime, key: str, **kw: Any) -> Concern:
    """A concern received at a chosen moment, through the same store the API uses."""
    data = ConcernCreate.model_validate(concern_body(key, **kw))
    async with db() as session:
        concern, created = await create_concern(session, data, working_calendar(settings), received_at)
    assert created
    return concern


async def load(db: async_sessionmaker, concern_id: int) -> Concern:
    async with db() as session:
        concern = await session.get(Concern, concern_id)
    assert concern is not None
    return concern


async def events(db: async_sessionmaker, concern_id: int) -> list[ConcernEvent]:
    async with db() as session:
        return list(
            await session.scalars(
                select(ConcernEvent).where(ConcernEvent.concern_id == concern_id).order_by(ConcernEvent.id)
            )
        )
