"""Backend fixtures: a real, migrated SQLite file per test and the app built from the real factory."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.auth import hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, migrate
from backend.models import StaffUser

SERVICE_TOKEN = "test-service-token-" + "x" * 32
STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    url = f"sqlite+aiosqlite:///{tmp_path / 'backend.sqlite3'}"
    migrate(url)
    return Settings(database_url=url, service_token=SERVICE_TOKEN)


@pytest.fixture
async def client(settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {SERVICE_TOKEN}"}


@pytest.fixture
async def staff_headers(settings: Settings) -> dict[str, str]:
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session:
        session.add(
            StaffUser(username="manager1", role="manager", password_hash=hash_password(STAFF_PASSWORD))
        )
        await session.commit()
    await engine.dispose()
    token = base64.b64encode(f"manager1:{STAFF_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
