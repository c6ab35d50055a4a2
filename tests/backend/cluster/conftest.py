"""Two backend replicas (two real aiohttp apps, each with its own engine and listener) on one fresh PostgreSQL DB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.app import create_app
from backend.auth import hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.models import StaffUser
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.backend.test_postgres import pg_settings  # noqa: F401 - the fixture

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
Replicas = Callable[[Settings], Awaitable[tuple[TestClient, TestClient]]]


@pytest.fixture
def replicas(aiohttp_client: Callable[..., Awaitable[TestClient]]) -> Replicas:
    """Start replicas A and B of the backend with these settings (both on the same database)."""

    async def start(settings: Settings) -> tuple[TestClient, TestClient]:
        return await aiohttp_client(create_app(settings)), await aiohttp_client(create_app(settings))

    return start


@pytest.fixture
async def pg(pg_settings: Settings) -> AsyncIterator[asyncpg.Connection]:  # noqa: F811 - the imported fixture
    """A plain connection to the replicas' database, for checking what they stored."""
    conn = await asyncpg.connect(pg_settings.database_url.replace("+asyncpg", ""))
    yield conn
    await conn.close()


@pytest.fixture
async def pg_db(pg_settings: Settings) -> AsyncIterator[async_sessionmaker]:  # noqa: F811 - the imported fixture
    engine = make_engine(pg_settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def add_staff(db: async_sessionmaker, username: str, role: str, **fields: Any) -> None:
    async with db() as session:
        session.add(
            StaffUser(
                username=username,
                role=role,
                password_hash=hash_password(STAFF_PASSWORD),
                display_name=username,
                **fields,
            )
        )
        await session.commit()
