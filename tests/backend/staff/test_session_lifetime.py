"""Sessions end after a period without requests and, however busy, a fixed time after logging in."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.timeutil import utcnow
from tests.backend.conftest import SERVICE_TOKEN, login, sql


async def test_a_busy_session_still_ends_at_its_absolute_lifetime(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    """A stolen cookie kept warm by a script (or a forgotten duty screen) does not last for ever."""
    configured = dataclasses.replace(settings, session_idle_minutes=30, session_absolute_hours=12)
    client = await aiohttp_client(create_app(configured))
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    # Logged in 11 h 59 min ago, busy all along: still in.
    sql(settings, "UPDATE staff_sessions SET created_at = ?", (utcnow() - timedelta(hours=11, minutes=59)).isoformat())
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 200
    # 12 h 1 min ago, with a request a moment ago: out, and the row is gone.
    sql(settings, "UPDATE staff_sessions SET created_at = ?", (utcnow() - timedelta(hours=12, minutes=1)).isoformat())
    resp = await client.get("/staff/cases", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/staff/login")
    assert sql(settings, "SELECT COUNT(*) FROM staff_sessions") == [(0,)]
    login_page = await client.get(resp.headers["Location"])
    assert "at its time limit" in await login_page.text()


def test_the_lifetimes_come_from_the_environment_with_safe_defaults() -> None:
    defaults = Settings.from_env({"SERVICE_TOKEN": SERVICE_TOKEN})
    assert (defaults.session_idle_minutes, defaults.session_absolute_hours) == (30, 12.0)
    chosen = Settings.from_env(
        {"SERVICE_TOKEN": SERVICE_TOKEN, "STAFF_SESSION_IDLE_MINUTES": "15", "STAFF_SESSION_MAX_HOURS": "8"}
    )
    assert (chosen.session_idle_minutes, chosen.session_absolute_hours) == (15, 8.0)


@pytest.mark.parametrize("hours", ["0", "-1", "many"])
def test_a_nonsense_lifetime_stops_start_up(hours: str) -> None:
    with pytest.raises((RuntimeError, ValueError)):
        Settings.from_env({"SERVICE_TOKEN": SERVICE_TOKEN, "STAFF_SESSION_MAX_HOURS": hours})
