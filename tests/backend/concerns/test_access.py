"""Who sees which concerns: managers their own homes only, and never an allegation against staff."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.staff.models import AuditEntry
from tests.backend.concerns.support import load, post_concern
from tests.backend.conftest import login

MakeStaff = Callable[..., Awaitable[Any]]


def _today_raised(html: str) -> int:
    """The "Raised" number in the figures panel's Today row."""
    row = html.split('id="figures-periods"', 1)[1].split('<tr class="today">', 1)[1].split("</tr>", 1)[0]
    return int(re.findall(r"<td[^>]*>(\d+)", row)[0])


@pytest.fixture
async def three(client: TestClient, service_headers: dict[str, str]) -> dict[str, int]:
    """home-2 has an ordinary concern and one about staff; home-1 has an ordinary one (three conversations)."""
    mine = await post_concern(client, service_headers, "mine-key-001", home="home-2", conversation_id="conv-mine")
    staff = await post_concern(
        client, service_headers, "staff-key-01", home="home-2", category="staff_conduct", conversation_id="conv-staff"
    )
    other = await post_concern(client, service_headers, "other-key-01", home="home-1", conversation_id="conv-other")
    return {"mine": mine["concern_id"], "staff": staff["concern_id"], "other": other["concern_id"]}


async def test_a_manager_sees_only_their_homes_and_never_a_staff_conduct_concern(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    await make_staff("mgr", "manager", homes=("home-2",))
    csrf = await login(client, "mgr")
    listing = await (await client.get("/staff/concerns?show=all")).text()
    assert f'href="/staff/concerns/{three["mine"]}"' in listing
    assert f'href="/staff/concerns/{three["staff"]}"' not in listing
    assert f'href="/staff/concerns/{three["other"]}"' not in listing
    assert "Staff conduct" not in listing
    assert _today_raised(listing) == 1  # nor in the figures
    for hidden in (three["staff"], three["other"]):
        assert (await client.get(f"/staff/concerns/{hidden}")).status == 404
        for action in ("close", "alert"):
            resp = await client.post(
                f"/staff/concerns/{hidden}/{action}", data={"csrf_token": csrf, "note": "x"}, allow_redirects=False
            )
            assert resp.status == 404, action
        assert (await load(db, hidden)).status == "new"


async def test_a_manager_reads_and_closes_their_own_homes_concern(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    await make_staff("mgr", "manager", homes=("home-2",))
    csrf = await login(client, "mgr")
    assert (await client.get(f"/staff/concerns/{three['mine']}")).status == 200
    assert (await load(db, three["mine"])).read_by_name == "mgr"
    resp = await client.post(
        f"/staff/concerns/{three['mine']}/close", data={"csrf_token": csrf, "note": "Spoke with him"}
    )
    assert resp.status == 200
    assert (await load(db, three["mine"])).status == "closed"


async def test_the_staff_conduct_concerns_history_stays_out_of_the_managers_audit_log(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    await make_staff("mgr", "manager", homes=("home-2",))
    await login(client, "mgr")
    log = await (await client.get("/staff/audit")).text()
    assert f"concern {three['mine']}" in log
    assert f"concern {three['staff']}" not in log
    async with db() as session:
        homes = set(await session.scalars(select(AuditEntry.home_code).where(AuditEntry.action == "concern.created")))
    assert homes == {"home-1", "home-2", None}


@pytest.mark.parametrize("role", ["safeguarding_lead", "complaints_officer"])
async def test_leads_and_officers_see_every_home_and_staff_conduct(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff, role: str
) -> None:
    await make_staff("someone", role)
    await login(client, "someone")
    listing = await (await client.get("/staff/concerns")).text()
    assert all(f'href="/staff/concerns/{n}"' in listing for n in three.values())
    assert _today_raised(listing) == 3
    page = await client.get(f"/staff/concerns/{three['staff']}")
    assert page.status == 200
    assert "never the home's manager" in await page.text()


async def test_the_auditor_sees_every_home_but_not_staff_conduct(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff
) -> None:
    await make_staff("aud", "auditor")
    await login(client, "aud")
    listing = await (await client.get("/staff/concerns?show=all")).text()
    assert f'href="/staff/concerns/{three["mine"]}"' in listing
    assert f'href="/staff/concerns/{three["other"]}"' in listing
    assert f'href="/staff/concerns/{three["staff"]}"' not in listing
    assert _today_raised(listing) == 2
    assert (await client.get(f"/staff/concerns/{three['staff']}")).status == 404


async def test_a_manager_with_no_home_is_told_why_the_queue_is_empty(
    client: TestClient, three: dict[str, int], make_staff: MakeStaff
) -> None:
    await make_staff("newmgr", "manager")
    await login(client, "newmgr")
    listing = await (await client.get("/staff/concerns")).text()
    assert "No home is assigned to your account yet" in listing
    assert _today_raised(listing) == 0
