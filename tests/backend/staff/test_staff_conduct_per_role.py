"""Allegations against staff, per role, through real requests: only the safeguarding lead and the complaints officer.

The manager of the home (who may be the person the child is talking about) and the auditor
never see them: not in the alert list, page, count or live stream, not by joining the
conversation, not in the concern queue or its figures, the case list or page, the feedback
log, the audit log, or the staff API. Written as the manager would try it.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend.config import Settings
from tests.backend.alerts_support import post_alert, read_sse
from tests.backend.concerns.support import post_concern
from tests.backend.conftest import STAFF_PASSWORD, login, submit

MakeStaff = Callable[..., Awaitable[Any]]
ALLEGATION = "Mr Dave grabs my arm when nobody is looking"
SAME_CONVERSATION = "and he did it again tonight"
PLAIN = "the older boys call me names"
CONDUCT_COMPLAINT = "A member of staff shouted at me and pushed me"
DEADLINE = 10.0

# Which roles may read allegations against staff (backend/staff/roles.py STAFF_CONDUCT_READERS).
SEES = {"manager": False, "auditor": False, "complaints_officer": True, "safeguarding_lead": True}
USERNAME = {"manager": "mgr", "auditor": "aud", "complaints_officer": "officer", "safeguarding_lead": "lead"}


@dataclass(frozen=True)
class World:
    staff_alert: int  # filed as staff conduct
    same_conversation_alert: int  # another category, but from the conversation with the allegation
    plain_alert: int
    staff_concern: int
    plain_concern: int
    conduct_case: str
    plain_case: str


@pytest.fixture
async def world(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, settings: Settings
) -> World:
    staff = await post_alert(
        client,
        service_headers,
        "conduct-alert-01",
        category="staff_conduct",
        conversation_id="conv-staff",
        message=ALLEGATION,
    )
    same = await post_alert(
        client,
        service_headers,
        "conduct-alert-02",
        category="physical_abuse",
        conversation_id="conv-staff",
        message=SAME_CONVERSATION,
    )
    plain = await post_alert(
        client, service_headers, "plain-alert-001", category="bullying_threats", conversation_id="conv-x", message=PLAIN
    )
    staff_concern = await post_concern(
        client, service_headers, "conduct-concern", category="staff_conduct", conversation_id="conv-staff-2"
    )
    plain_concern = await post_concern(client, service_headers, "plain-concern-1", conversation_id="conv-y")
    conduct_case = await submit(client, service_headers, what_happened=CONDUCT_COMPLAINT, staff_conduct=True)
    plain_case = await submit(client, service_headers, what_happened="The wifi is always off")
    await make_staff("mgr", "manager", homes=("home-1",))
    await make_staff("aud", "auditor")
    await make_staff("officer", "complaints_officer")
    await make_staff("lead", "safeguarding_lead")
    return World(
        staff["alert_id"],
        same["alert_id"],
        plain["alert_id"],
        staff_concern["concern_id"],
        plain_concern["concern_id"],
        conduct_case["reference"],
        plain_case["reference"],
    )


async def _text(client: TestClient, path: str) -> str:
    resp = await client.get(path)
    assert resp.status == 200, (path, resp.status)
    return await resp.text()


@pytest.mark.parametrize("role", list(SEES))
async def test_alerts_and_their_count(client: TestClient, world: World, role: str) -> None:
    sees = SEES[role]
    await login(client, USERNAME[role])
    listing = await _text(client, "/staff/alerts")
    for hidden in (world.staff_alert, world.same_conversation_alert):
        assert (f'href="/staff/alerts/{hidden}"' in listing) is sees
        assert (await client.get(f"/staff/alerts/{hidden}")).status == (200 if sees else 404)
    assert (ALLEGATION in listing) is sees
    assert f'href="/staff/alerts/{world.plain_alert}"' in listing
    assert f"{3 if sees else 1} open" in listing  # the count reveals nothing either
    assert (await client.get(f"/staff/alerts/{world.plain_alert}")).status == 200


@pytest.mark.parametrize("role", list(SEES))
async def test_concerns_and_their_figures(client: TestClient, world: World, role: str) -> None:
    sees = SEES[role]
    await login(client, USERNAME[role])
    listing = await _text(client, "/staff/concerns?show=all")
    assert (f'href="/staff/concerns/{world.staff_concern}"' in listing) is sees
    assert f'href="/staff/concerns/{world.plain_concern}"' in listing
    assert ("Staff conduct" in listing) is sees
    assert (await client.get(f"/staff/concerns/{world.staff_concern}")).status == (200 if sees else 404)


@pytest.mark.parametrize("role", list(SEES))
async def test_cases(client: TestClient, world: World, role: str) -> None:
    sees = SEES[role]
    await login(client, USERNAME[role])
    listing = await _text(client, "/staff/cases?status=all")
    assert (world.conduct_case in listing) is sees
    assert (await client.get(f"/staff/cases/{world.conduct_case}")).status == (200 if sees else 404)
    # The lead sees only staff-conduct cases; everyone else sees the ordinary one.
    assert (world.plain_case in listing) is (role != "safeguarding_lead")


@pytest.mark.parametrize("role", ["manager", "auditor", "complaints_officer"])
async def test_the_audit_log(client: TestClient, world: World, role: str) -> None:
    sees = SEES[role]
    # Someone who may read the allegation opens it, so there are entries about it.
    await login(client, "officer")
    for case in (world.conduct_case, world.plain_case):
        assert (await client.get(f"/staff/cases/{case}")).status == 200
    assert (await client.get(f"/staff/alerts/{world.staff_alert}")).status == 200
    await login(client, USERNAME[role])
    log = await _text(client, "/staff/audit")
    assert (f'href="/staff/cases/{world.conduct_case}"' in log) is sees
    for hidden in (world.staff_alert, world.same_conversation_alert):
        assert (f"<td>alert {hidden}</td>" in log) is sees
    assert (f"<td>concern {world.staff_concern}</td>" in log) is sees
    assert f"<td>alert {world.plain_alert}</td>" in log
    assert f'href="/staff/cases/{world.plain_case}"' in log


@pytest.mark.parametrize("role", ["manager", "auditor", "complaints_officer"])
async def test_the_feedback_log(
    client: TestClient, world: World, role: str, settings: Settings, service_headers: dict[str, str]
) -> None:
    flagged = (await submit(client, service_headers, kind="comment", what_happened="About the rota"))["reference"]
    ordinary = (await submit(client, service_headers, kind="comment", what_happened="About tea"))["reference"]
    # Only complaints can be flagged through the workflow; a flag on any record must still hide it.
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        conn.execute(
            "UPDATE cases SET staff_conduct = 1 WHERE submission_id = (SELECT id FROM submissions WHERE reference = ?)",
            (flagged,),
        )
    await login(client, USERNAME[role])
    log = await _text(client, "/staff/feedback")
    assert (flagged in log) is SEES[role]
    assert ordinary in log


@pytest.mark.parametrize("role", ["manager", "auditor", "complaints_officer"])
async def test_the_staff_api(client: TestClient, world: World, role: str) -> None:
    token = base64.b64encode(f"{USERNAME[role]}:{STAFF_PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    listing = await client.get("/api/v1/submissions", headers=headers)
    assert listing.status == 200
    references = {item["reference"] for item in (await listing.json())["items"]}
    assert (world.conduct_case in references) is SEES[role]
    assert world.plain_case in references
    one = await client.get(f"/api/v1/submissions/{world.conduct_case}", headers=headers)
    assert one.status == (200 if SEES[role] else 404)


@pytest.mark.parametrize("role", list(SEES))
async def test_the_live_stream(client: TestClient, world: World, role: str, service_headers: dict[str, str]) -> None:
    sees = SEES[role]
    await login(client, USERNAME[role])
    resp = await client.get("/staff/alerts/stream")
    events = read_sse(resp)
    name, snapshot = await asyncio.wait_for(anext(events), DEADLINE)
    assert name == "snapshot"
    ids = {a["id"] for a in snapshot}
    assert (world.staff_alert in ids, world.same_conversation_alert in ids, world.plain_alert in ids) == (
        sees,
        sees,
        True,
    )
    # A new allegation, then a new alert from that same conversation, then an ordinary one: the
    # ordinary one being the first event a manager gets proves the other two were held back.
    staff = await post_alert(
        client, service_headers, "conduct-alert-03", category="staff_conduct", conversation_id="conv-staff-3"
    )
    same = await post_alert(
        client, service_headers, "conduct-alert-04", category="neglect", conversation_id="conv-staff-3"
    )
    plain = await post_alert(client, service_headers, "plain-alert-002", conversation_id="conv-z")
    expected = [staff["alert_id"], same["alert_id"], plain["alert_id"]] if sees else [plain["alert_id"]]
    received = []
    while len(received) < len(expected):
        name, data = await asyncio.wait_for(anext(events), DEADLINE)
        assert name == "alert"
        received.append(data["id"])
    assert received == expected
    resp.close()


async def test_the_manager_cannot_join_the_conversation_through_another_alert(client: TestClient, world: World) -> None:
    csrf = await login(client, "mgr")
    for alert_id in (world.staff_alert, world.same_conversation_alert):
        for step in ("join", "leave", "send"):
            resp = await client.post(
                f"/staff/alerts/{alert_id}/handoff/{step}", data={"csrf_token": csrf, "text": "hi"}
            )
            assert resp.status == 404, (alert_id, step)
        for path in ("handoff", "handoff/messages"):
            assert (await client.get(f"/staff/alerts/{alert_id}/{path}")).status == 404
        for step in ("acknowledge", "close"):
            resp = await client.post(f"/staff/alerts/{alert_id}/{step}", data={"csrf_token": csrf, "note": "done"})
            assert resp.status == 404, (alert_id, step)


async def test_a_case_the_manager_flags_as_staff_conduct_passes_out_of_their_hands(
    client: TestClient, world: World
) -> None:
    csrf = await login(client, "mgr")
    resp = await client.post(
        f"/staff/cases/{world.plain_case}/acknowledge",
        data={"csrf_token": csrf, "text_sent": "Thank you for telling us", "categories": "staff_attitude"},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/staff/cases?handed_over=1"
    listing = await _text(client, resp.headers["Location"])
    assert "it has passed to the complaints officer and the safeguarding lead" in listing
    assert world.plain_case not in listing
    assert (await client.get(f"/staff/cases/{world.plain_case}")).status == 404
    await login(client, "officer")
    assert (await client.get(f"/staff/cases/{world.plain_case}")).status == 200
