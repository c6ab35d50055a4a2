"""Backend fixtures: a real, migrated SQLite file per test and the app built from the real factory."""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.app import create_app
from backend.auth import hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, migrate
from backend.models import StaffUser
from backend.staff.models import Home, HomeManager
from tests.backend.notify.smtp_server import SmtpServer

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
            StaffUser(username="officer1", role="complaints_officer", password_hash=hash_password(STAFF_PASSWORD))
        )
        await session.commit()
    await engine.dispose()
    token = base64.b64encode(f"officer1:{STAFF_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    """A real SMTP server on a free loopback port for this test; `smtp.received` is what it was sent."""
    server = await SmtpServer().start()
    yield server
    await server.stop()


# ---- staff pages: accounts, homes, logged-in clients ----------------------------------------


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[async_sessionmaker]:
    """Direct access to the same database file the app uses (for setting up and checking)."""
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def make_staff(db: async_sessionmaker) -> Callable[..., Awaitable[StaffUser]]:
    async def _make(
        username: str, role: str, homes: tuple[str, ...] = (), email: str | None = None, display_name: str = ""
    ) -> StaffUser:
        """`display_name` defaults to the username so older tests read simply; tests about names pass their own."""
        async with db() as session:
            user = StaffUser(
                username=username,
                role=role,
                password_hash=hash_password(STAFF_PASSWORD),
                email=email,
                display_name=display_name or username,
            )
            session.add(user)
            await session.flush()
            for code in homes:
                home = await session.scalar(select(Home).where(Home.code == code))
                if home is None:
                    home = Home(code=code, name=f"Home {code}")
                    session.add(home)
                    await session.flush()
                session.add(HomeManager(home_id=home.id, staff_user_id=user.id))
            await session.commit()
            return user

    return _make


async def login(client: TestClient, username: str, password: str = STAFF_PASSWORD) -> str:
    """Log in through the real form; returns the session's CSRF token."""
    page = await client.get("/staff/login")
    token = csrf_from(await page.text())
    resp = await client.post(
        "/staff/login", data={"username": username, "password": password, "csrf_token": token}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    # Any logged-in page carries the session's token (the log-out form has it).
    page = await client.get("/staff/homes")
    return csrf_from(await page.text())


async def submit(client: TestClient, headers: dict[str, str], **fields: object) -> dict:
    """Create a submission through the real API, as the action server does."""
    body = {"kind": "complaint", "what_happened": "Staff took my phone", "anonymous": True, "home": "home-1"}
    body.update(fields)
    resp = await client.post("/api/v1/submissions", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


def sql(settings: Settings, query: str, *args: object) -> list[tuple]:
    """Run one statement on the test's SQLite file directly (setting up, or checking what was stored)."""
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        return conn.execute(query, args).fetchall()
