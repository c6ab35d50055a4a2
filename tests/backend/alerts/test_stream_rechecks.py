"""The live alerts stream checks who is watching on every event and while quiet, and ends when that changes.

Each test changes the account or session in the database, as an administrator (or the clock)
would, and then either posts an alert (the per-event check) or waits for the quiet-time check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend.alerts import stream
from backend.config import Settings
from backend.timeutil import utcnow
from tests.backend.alerts_support import post_alert, read_sse
from tests.backend.conftest import login, sql

MakeStaff = Callable[..., Awaitable[Any]]
DEADLINE = 10.0


async def _open(client: TestClient) -> tuple[Any, Any]:
    resp = await client.get("/staff/alerts/stream")
    assert resp.status == 200
    events = read_sse(resp)
    name, _ = await asyncio.wait_for(anext(events), DEADLINE)
    assert name == "snapshot"
    return resp, events


@pytest.fixture
def only_per_event_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """No quiet-time check, so what ends the stream can only be the check made for the event itself."""
    monkeypatch.setattr(stream, "SESSION_CHECK_SECONDS", 3600.0)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 3600.0)


@pytest.mark.usefixtures("only_per_event_checks")
async def test_a_lead_made_manager_stops_getting_allegations_against_staff(
    client: TestClient, make_staff: MakeStaff, settings: Settings, service_headers: dict[str, str]
) -> None:
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    resp, events = await _open(client)
    sql(settings, "UPDATE staff_users SET role = 'manager' WHERE username = 'lead'")
    await post_alert(client, service_headers, "conduct-after-1", category="staff_conduct")
    name, data = await asyncio.wait_for(anext(events), DEADLINE)
    assert (name, data) == ("expired", {"reason": "your role or homes changed"})
    assert [e async for e in events] == []  # and nothing after it
    resp.close()


@pytest.mark.usefixtures("only_per_event_checks")
async def test_a_manager_moved_off_a_home_stops_getting_its_alerts(
    client: TestClient, make_staff: MakeStaff, settings: Settings, service_headers: dict[str, str]
) -> None:
    await make_staff("mgr", "manager", homes=("home-1",))
    await login(client, "mgr")
    resp, events = await _open(client)
    sql(settings, "DELETE FROM home_managers")
    await post_alert(client, service_headers, "home-one-alert-1", home="home-1")
    name, data = await asyncio.wait_for(anext(events), DEADLINE)
    assert (name, data["reason"]) == ("expired", "your role or homes changed")
    resp.close()


@pytest.mark.usefixtures("only_per_event_checks")
async def test_a_disabled_account_gets_no_further_alert(
    client: TestClient, make_staff: MakeStaff, settings: Settings, service_headers: dict[str, str]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    resp, events = await _open(client)
    sql(settings, "UPDATE staff_users SET active = 0")
    await post_alert(client, service_headers, "after-disable-1")
    name, data = await asyncio.wait_for(anext(events), DEADLINE)
    assert (name, data["reason"]) == ("expired", "session ended")
    resp.close()


async def test_a_quiet_stream_ends_when_the_session_reaches_its_absolute_lifetime(
    client: TestClient, make_staff: MakeStaff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream keeps the session from going idle, but not alive beyond its absolute lifetime."""
    monkeypatch.setattr(stream, "SESSION_CHECK_SECONDS", 0.05)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.05)
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    resp, events = await _open(client)
    old = (utcnow() - timedelta(hours=settings.session_absolute_hours, minutes=1)).isoformat()
    sql(settings, "UPDATE staff_sessions SET created_at = ?", old)
    name, data = await asyncio.wait_for(anext(events), DEADLINE)
    assert (name, data["reason"]) == ("expired", "session ended")
    resp.close()


async def test_a_quiet_stream_ends_when_the_role_changes(
    client: TestClient, make_staff: MakeStaff, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "SESSION_CHECK_SECONDS", 0.05)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.05)
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    resp, events = await _open(client)
    sql(settings, "UPDATE staff_users SET role = 'auditor'")
    name, data = await asyncio.wait_for(anext(events), DEADLINE)
    assert (name, data["reason"]) == ("expired", "your role or homes changed")
    resp.close()
