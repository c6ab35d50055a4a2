"""Each role is denied what it may not do."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from backend.config import Settings
from tests.backend.conftest import login, submit


@pytest.fixture
async def two_homes(
    client: TestClient,
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
    settings: Settings,
) -> dict[str, str]:
    """A complaint in home-1, one in home-2, and one about staff conduct in home-2."""
    refs = {
        "home1": (await submit(client, service_headers, home="home-1"))["reference"],
        "home2": (await submit(client, service_headers, home="home-2"))["reference"],
        "conduct": (await submit(client, service_headers, home="home-2"))["reference"],
    }
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        conn.execute(
            "UPDATE cases SET staff_conduct = 1 WHERE submission_id = (SELECT id FROM submissions WHERE reference = ?)",
            (refs["conduct"],),
        )
    await make_staff("manager1", "manager", homes=("home-1",))
    await make_staff("officer", "complaints_officer")
    await make_staff("lead", "safeguarding_lead")
    await make_staff("auditor", "auditor")
    return refs


async def ack(client: TestClient, ref: str, csrf: str) -> int:
    resp = await client.post(
        f"/staff/cases/{ref}/acknowledge", data={"csrf_token": csrf, "text_sent": "hi"}, allow_redirects=False
    )
    return resp.status


async def test_manager_sees_and_acts_only_on_their_homes(client: TestClient, two_homes: dict[str, str]) -> None:
    csrf = await login(client, "manager1")
    listing = await (await client.get("/staff/cases")).text()
    assert two_homes["home1"] in listing and two_homes["home2"] not in listing
    assert (await client.get(f"/staff/cases/{two_homes['home2']}")).status == 404
    assert await ack(client, two_homes["home2"], csrf) == 404
    assert await ack(client, two_homes["home1"], csrf) == 303
    # ?home= cannot widen the scope.
    assert two_homes["home2"] not in await (await client.get("/staff/cases?home=home-2")).text()


async def test_manager_may_not_administer_homes(client: TestClient, two_homes: dict[str, str]) -> None:
    csrf = await login(client, "manager1")
    resp = await client.post("/staff/homes", data={"csrf_token": csrf, "code": "home-1", "name": "Mine now"})
    assert resp.status == 403
    assert (await client.get("/staff/audit")).status == 200


async def test_complaints_officer_sees_and_acts_on_every_home(client: TestClient, two_homes: dict[str, str]) -> None:
    csrf = await login(client, "officer")
    listing = await (await client.get("/staff/cases")).text()
    assert all(ref in listing for ref in two_homes.values())
    assert await ack(client, two_homes["home2"], csrf) == 303
    resp = await client.post(
        "/staff/homes", data={"csrf_token": csrf, "code": "home-2", "name": "Ash House"}, allow_redirects=False
    )
    assert resp.status == 303


async def test_auditor_reads_everything_and_changes_nothing(client: TestClient, two_homes: dict[str, str]) -> None:
    csrf = await login(client, "auditor")
    for path in ("/staff/cases", f"/staff/cases/{two_homes['home2']}", "/staff/feedback", "/staff/audit"):
        assert (await client.get(path)).status == 200, path
    page = await (await client.get(f"/staff/cases/{two_homes['home1']}")).text()
    assert "Next steps" not in page
    assert await ack(client, two_homes["home1"], csrf) == 403
    resp = await client.post(
        f"/staff/cases/{two_homes['conduct']}/record_lado", data={"csrf_token": csrf, "decision": "x"}
    )
    assert resp.status == 403
    assert (await client.post("/staff/homes", data={"csrf_token": csrf, "code": "h", "name": "h"})).status == 403


async def test_safeguarding_lead_sees_only_staff_conduct_cases_and_records_lado_decisions(
    client: TestClient, two_homes: dict[str, str]
) -> None:
    csrf = await login(client, "lead")
    listing = await (await client.get("/staff/cases")).text()
    assert two_homes["conduct"] in listing
    assert two_homes["home1"] not in listing and two_homes["home2"] not in listing
    assert (await client.get(f"/staff/cases/{two_homes['home1']}")).status == 404
    assert await ack(client, two_homes["conduct"], csrf) == 403
    resp = await client.post(
        f"/staff/cases/{two_homes['conduct']}/record_lado",
        data={"csrf_token": csrf, "decision": "Referred to LADO on 23/11"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert (await client.get("/staff/feedback")).status == 403
    assert (await client.get("/staff/audit")).status == 403


async def test_the_service_token_never_opens_staff_pages(
    client: TestClient, service_headers: dict[str, str], two_homes: dict[str, str]
) -> None:
    resp = await client.get(f"/staff/cases/{two_homes['home1']}", headers=service_headers, allow_redirects=False)
    assert resp.status == 303
