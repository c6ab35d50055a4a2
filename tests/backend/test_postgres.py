"""The same API on PostgreSQL (asyncpg), as used when DATABASE_URL names one."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings, normalise_database_url
from backend.db import migrate
from tests.backend.conftest import SERVICE_TOKEN

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
async def pg_settings() -> AsyncIterator[Settings]:
    name = f"feedback_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = normalise_database_url(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        await asyncio.to_thread(migrate, url)  # alembic runs its own event loop
        yield Settings(database_url=url, service_token=SERVICE_TOKEN)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_submission_round_trip_on_postgres(
    pg_settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    client = await aiohttp_client(create_app(pg_settings))
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    payload = {"kind": "complaint", "what_happened": "Staff took my phone", "anonymous": True, "home": "home-1"}
    resp = await client.post("/api/v1/submissions", json=payload, headers=headers)
    assert resp.status == 201, await resp.text()
    reference = (await resp.json())["reference"]

    conn = await asyncpg.connect(pg_settings.database_url.replace("+asyncpg", ""))
    try:
        row = await conn.fetchrow(
            "SELECT kind, anonymous, first_name, received_at FROM submissions WHERE reference=$1", reference
        )
    finally:
        await conn.close()
    assert row["kind"] == "complaint"
    assert row["anonymous"] is True
    assert row["first_name"] is None
    assert row["received_at"].tzinfo is not None
    assert (await client.get("/health")).status == 200
