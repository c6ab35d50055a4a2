"""Migration 0006, the retention job and the login throttle on PostgreSQL (asyncpg), as with DATABASE_URL=postgresql://."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from alembic import command

from backend.app import create_app
from backend.auth import hash_password
from backend.config import Settings, normalise_database_url
from backend.db import alembic_config, make_engine, make_sessionmaker
from backend.deadlines import LONDON
from backend.retention.job import purge
from backend.retention.settings import RetentionSettings
from backend.throttle.rules import ADDRESS_LIMIT
from backend.timeutil import utcnow
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.backend.test_postgres import ADMIN_URL

RASA_EVENTS_DDL = (
    "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
    "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database; its plain postgresql:// URL."""
    name = f"feedback_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _upgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(normalise_database_url(url)), revision)


async def test_existing_anonymous_times_are_dropped_on_postgres(database: str) -> None:
    await _upgrade(database, "0005")
    arrived = datetime(2026, 6, 14, 23, 30, 5, tzinfo=UTC)  # 00:30 on 15 June in England
    conn = await asyncpg.connect(database)
    try:
        for ref, anonymous in (("CMP-AAAA-AA", True), ("CMP-BBBB-BB", False)):
            await conn.execute(
                "INSERT INTO submissions (reference, kind, what_happened, anonymous, home_code, received_at, "
                "access_code_hash, status) VALUES ($1, 'complaint', 'x', $2, 'home-1', $3, 'h', 'received')",
                ref,
                anonymous,
                arrived,
            )
        await _upgrade(database, "head")
        rows = dict(await conn.fetch("SELECT reference, received_at FROM submissions"))
    finally:
        await conn.close()
    assert rows["CMP-AAAA-AA"] == datetime.combine(datetime(2026, 6, 15).date(), time(0), tzinfo=LONDON)
    assert rows["CMP-BBBB-BB"] == arrived


async def test_the_purge_runs_on_postgres_for_both_stores(database: str) -> None:
    await _upgrade(database, "head")
    conn = await asyncpg.connect(database)
    try:
        await conn.execute(RASA_EVENTS_DDL)  # the tracker store may share the server (here: the database)
        now = utcnow()
        for sender, days in (("quiet", 45), ("quiet", 40), ("recent", 2)):
            await conn.execute(
                "INSERT INTO events (sender_id, type_name, timestamp) VALUES ($1, 'user', $2)",
                sender,
                (now - timedelta(days=days)).timestamp(),
            )
        await conn.execute(
            "INSERT INTO failed_attempts (scope, key, at) VALUES ('login_addr', 'x', $1)", now - timedelta(hours=3)
        )
        settings = Settings(
            database_url=normalise_database_url(database),
            service_token=SERVICE_TOKEN,
            retention=RetentionSettings(tracker_url=database),
        )
        engine = make_engine(settings.database_url)
        try:
            report = await purge(make_sessionmaker(engine), settings, now)
        finally:
            await engine.dispose()
        senders = {r["sender_id"] for r in await conn.fetch("SELECT DISTINCT sender_id FROM events")}
    finally:
        await conn.close()
    assert (report.conversations, report.conversation_events, report.failed_logins) == (1, 2, 1)
    assert senders == {"recent"}


async def test_the_login_throttle_counts_on_postgres(
    database: str, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    await _upgrade(database, "head")
    conn = await asyncpg.connect(database)
    await conn.execute(
        "INSERT INTO staff_users (username, password_hash, role, active, created_at) "
        "VALUES ('officer', $1, 'complaints_officer', true, now())",
        hash_password(STAFF_PASSWORD),
    )
    await conn.close()
    settings = Settings(database_url=normalise_database_url(database), service_token=SERVICE_TOKEN)
    client = await aiohttp_client(create_app(dataclasses.replace(settings, trusted_proxies=frozenset({"127.0.0.1"}))))

    def basic(user: str, password: str) -> dict[str, str]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}", "X-Forwarded-For": "203.0.113.9"}

    for n in range(ADDRESS_LIMIT):
        assert (await client.get("/api/v1/submissions", headers=basic(f"name{n}", "guess"))).status == 401
    assert (await client.get("/api/v1/submissions", headers=basic("officer", STAFF_PASSWORD))).status == 429
