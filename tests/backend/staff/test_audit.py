"""Every view and change is in the append-only audit log; managers can read it."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from backend.config import Settings
from tests.backend.conftest import login, submit


def _audit(settings: Settings) -> list[tuple]:
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        return conn.execute(
            "SELECT actor_username, action, target_type, target_id, home_code FROM audit_log ORDER BY id"
        ).fetchall()


async def test_viewing_and_changing_a_case_are_both_recorded(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    ref = (await submit(client, service_headers))["reference"]
    await make_staff("manager1", "manager", homes=("home-1",))
    csrf = await login(client, "manager1")
    await client.get("/staff/cases?kind=complaint")
    await client.get(f"/staff/cases/{ref}")
    await client.post(f"/staff/cases/{ref}/acknowledge", data={"csrf_token": csrf, "text_sent": "hi"})
    entries = _audit(settings)
    assert ("manager1", "login", "staff_user", "1", None) in entries
    assert ("manager1", "view_case", "case", ref, "home-1") in entries
    assert ("manager1", "acknowledge", "case", ref, "home-1") in entries
    assert ("manager1", "view_case_list", "case_list", None, None) in entries
    assert entries.index(("manager1", "view_case", "case", ref, "home-1")) < entries.index(
        ("manager1", "acknowledge", "case", ref, "home-1")
    )


async def test_failed_logins_are_recorded(
    client: TestClient, settings: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("manager1", "manager")
    from tests.backend.conftest import csrf_from

    token = csrf_from(await (await client.get("/staff/login")).text())
    await client.post("/staff/login", data={"username": "manager1", "password": "nope", "csrf_token": token})
    assert ("system", "login_failed", "staff_user", None, None) in _audit(settings)


async def test_the_audit_log_refuses_updates_and_deletes(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    await make_staff("manager1", "manager")
    await login(client, "manager1")
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET actor_username = 'someone else'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_log")


async def test_manager_sees_their_homes_entries_not_other_homes(
    client: TestClient,
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    mine = (await submit(client, service_headers, home="home-1"))["reference"]
    theirs = (await submit(client, service_headers, home="home-2"))["reference"]
    await make_staff("officer", "complaints_officer")
    await make_staff("manager1", "manager", homes=("home-1",))
    await login(client, "officer")
    await client.get(f"/staff/cases/{mine}")
    await client.get(f"/staff/cases/{theirs}")
    await login(client, "manager1")
    page = await (await client.get("/staff/audit")).text()
    assert f">{mine}</a>" in page
    assert theirs not in page
    filtered = await (await client.get(f"/staff/audit?target={mine}")).text()
    assert "view_case" in filtered
