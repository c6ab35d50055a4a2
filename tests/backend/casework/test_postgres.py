"""The case workflow, status check and append-only audit log on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.auth import hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.models import StaffUser
from tests.backend.api.casework_steps import answer_stage1
from tests.backend.casework.test_service import assert_one_request_recorded, two_taps_at_once
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD, login, submit
from tests.backend.test_postgres import pg_settings  # noqa: F401 - the fixture

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def test_a_complaint_is_acknowledged_and_checked_on_postgres(
    pg_settings: Settings,  # noqa: F811
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    engine = make_engine(pg_settings.database_url)
    async with make_sessionmaker(engine)() as session:
        session.add(
            StaffUser(username="officer", role="complaints_officer", password_hash=hash_password(STAFF_PASSWORD))
        )
        await session.commit()
    await engine.dispose()
    client = await aiohttp_client(create_app(pg_settings))
    created = await submit(client, HEADERS)
    csrf = await login(client, "officer")
    assert created["reference"] in await (await client.get("/staff/cases?overdue=&kind=complaint")).text()
    resp = await client.post(
        f"/staff/cases/{created['reference']}/acknowledge",
        data={"csrf_token": csrf, "text_sent": "Thank you", "categories": "money"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert "Acknowledged" in await (await client.get(f"/staff/cases/{created['reference']}")).text()
    status = await client.post(
        "/api/v1/status",
        json={"reference": created["reference"], "access_code": created["access_code"]},
        headers=HEADERS,
    )
    assert (await status.json())["stage_for_child"] == "The manager is looking into it."

    conn = await asyncpg.connect(pg_settings.database_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'acknowledge'") == 1
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit_log SET actor_username = 'x'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_log")
    finally:
        await conn.close()


async def test_two_taps_at_once_record_one_next_stage_request_on_postgres(
    pg_settings: Settings,  # noqa: F811
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    engine = make_engine(pg_settings.database_url)
    db = make_sessionmaker(engine)
    try:
        async with db() as session:
            session.add(
                StaffUser(username="officer", role="complaints_officer", password_hash=hash_password(STAFF_PASSWORD))
            )
            await session.commit()
        client = await aiohttp_client(create_app(pg_settings))
        created = await submit(client, HEADERS)
        await answer_stage1(db, created["reference"])

        results = await two_taps_at_once(db, created["reference"])

        await assert_one_request_recorded(db, created["reference"], results)
    finally:
        await engine.dispose()
