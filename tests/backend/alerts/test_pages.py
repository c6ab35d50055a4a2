"""Staff alert pages: what they show, who may see and act, acknowledgement, closing, CSRF, escaping."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert, AlertEvent
from backend.staff.models import AuditEntry
from backend.timeutil import utcnow
from tests.backend.alerts_support import post_alert
from tests.backend.conftest import login

MakeStaff = Callable[..., Awaitable[object]]


async def _alert(db: async_sessionmaker, alert_id: int) -> Alert:
    async with db() as session:
        return await session.get(Alert, alert_id)


async def _events(db: async_sessionmaker, alert_id: int) -> list[AlertEvent]:
    async with db() as session:
        return list(
            await session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))
        )


async def test_the_list_and_the_alert_page_show_what_staff_need(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    receipt = await post_alert(client, service_headers, category="self_harm_suicide", severity="immediate")
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    listing = await (await client.get("/staff/alerts")).text()
    assert f'href="/staff/alerts/{receipt["alert_id"]}"' in listing
    assert "Self-harm or suicide" in listing
    assert "1 open" in listing
    page = await (await client.get(f"/staff/alerts/{receipt['alert_id']}")).text()
    for expected in (
        "he hit me again last night",  # the message
        "something bad",  # a preceding turn
        "What would you like to tell us?",
        "conv-abc-123",
        "home-1",
        "immediate",
        "call 999",
        "created",  # history
        "Acknowledge",
        "Join the conversation",
    ):
        assert expected in page, expected


async def test_a_childs_html_is_shown_escaped_everywhere(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    receipt = await post_alert(
        client,
        service_headers,
        message=nasty,
        preceding_turns=[{"speaker": "child", "text": nasty, "time": None}],
        matched=[nasty],
    )
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    for url in ("/staff/alerts", f"/staff/alerts/{receipt['alert_id']}"):
        html = await (await client.get(url)).text()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


async def test_acknowledging_records_who_and_when_and_stops_escalation(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers)
    lead = await make_staff("lead", "safeguarding_lead")
    csrf = await login(client, "lead")
    before = utcnow()
    resp = await client.post(
        f"/staff/alerts/{receipt['alert_id']}/acknowledge", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    alert = await _alert(db, receipt["alert_id"])
    assert alert.status == "acknowledged"
    assert (alert.acknowledged_by_id, alert.acknowledged_by_name) == (lead.id, "lead")
    assert before <= alert.acknowledged_at <= utcnow()
    assert alert.next_escalation_at is None
    events = await _events(db, alert.id)
    assert [(e.kind, e.actor_name) for e in events] == [("created", "system"), ("acknowledged", "lead")]
    async with db() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "alert.acknowledged"))
    assert (entry.actor_username, entry.target_id, entry.home_code) == ("lead", str(alert.id), "home-1")
    page = await (await client.get(f"/staff/alerts/{alert.id}")).text()
    assert "Acknowledged by lead" in page
    # A second acknowledgement changes nothing.
    await client.post(f"/staff/alerts/{alert.id}/acknowledge", data={"csrf_token": csrf}, allow_redirects=False)
    assert len(await _events(db, alert.id)) == 2


async def test_acknowledging_without_the_csrf_token_is_refused(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers)
    await make_staff("lead", "safeguarding_lead")
    csrf = await login(client, "lead")
    for data in ({}, {"csrf_token": csrf + "x"}):
        resp = await client.post(f"/staff/alerts/{receipt['alert_id']}/acknowledge", data=data, allow_redirects=False)
        assert resp.status == 403
    assert (await _alert(db, receipt["alert_id"])).status == "new"


async def test_the_auditor_reads_but_cannot_act(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers)
    await make_staff("aud", "auditor")
    csrf = await login(client, "aud")
    page = await client.get(f"/staff/alerts/{receipt['alert_id']}")
    assert page.status == 200
    html = await page.text()
    assert "Read-only" in html
    assert "/acknowledge" not in html
    for action in ("acknowledge", "close", "handoff/join"):
        resp = await client.post(
            f"/staff/alerts/{receipt['alert_id']}/{action}",
            data={"csrf_token": csrf, "note": "x"},
            allow_redirects=False,
        )
        assert resp.status == 403, action
    assert (await _alert(db, receipt["alert_id"])).status == "new"


@pytest.mark.parametrize("role", ["safeguarding_lead", "complaints_officer"])
async def test_leads_and_complaints_officers_see_every_home(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, role: str
) -> None:
    receipt = await post_alert(client, service_headers, home="far-away-home")
    await make_staff("someone", role)
    await login(client, "someone")
    assert (await client.get(f"/staff/alerts/{receipt['alert_id']}")).status == 200


async def test_a_manager_sees_only_their_own_homes_alerts(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    mine = await post_alert(client, service_headers, "mine-key-001", home="home-2")
    other = await post_alert(client, service_headers, "other-key-01", home="home-1")
    await make_staff("mgr", "manager", homes=("home-2",))
    csrf = await login(client, "mgr")
    listing = await (await client.get("/staff/alerts")).text()
    assert f"/staff/alerts/{mine['alert_id']}" in listing
    assert f"/staff/alerts/{other['alert_id']}" not in listing
    assert (await client.get(f"/staff/alerts/{other['alert_id']}")).status == 404
    resp = await client.post(
        f"/staff/alerts/{other['alert_id']}/acknowledge", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 404
    resp = await client.post(
        f"/staff/alerts/{mine['alert_id']}/acknowledge", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303


async def test_pages_need_a_login(client: TestClient, service_headers: dict[str, str]) -> None:
    receipt = await post_alert(client, service_headers)
    for url in ("/staff/alerts", f"/staff/alerts/{receipt['alert_id']}"):
        resp = await client.get(url, allow_redirects=False)
        assert resp.status == 303
        assert resp.headers["Location"].startswith("/staff/login")


async def test_unknown_or_malformed_alert_numbers_are_not_found(client: TestClient, make_staff: MakeStaff) -> None:
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    for raw in ("999", "abc", "1" * 30):
        assert (await client.get(f"/staff/alerts/{raw}")).status == 404


async def test_closing_needs_a_note_and_is_recorded(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers)
    await make_staff("lead", "safeguarding_lead")
    csrf = await login(client, "lead")
    url = f"/staff/alerts/{receipt['alert_id']}/close"
    resp = await client.post(url, data={"csrf_token": csrf, "note": "  "}, allow_redirects=False)
    assert resp.status == 400
    assert "Say what was done" in await resp.text()
    resp = await client.post(
        url, data={"csrf_token": csrf, "note": "Spoke with the child; police informed"}, allow_redirects=False
    )
    assert resp.status == 303
    alert = await _alert(db, receipt["alert_id"])
    assert alert.status == "closed"
    assert alert.acknowledged_by_name == "lead"  # closing an open alert acknowledges it first
    kinds = [(e.kind, e.detail) for e in await _events(db, alert.id)]
    assert kinds[1:] == [("acknowledged", None), ("closed", "Spoke with the child; police informed")]


async def test_viewing_an_alert_is_audited(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers)
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    await client.get(f"/staff/alerts/{receipt['alert_id']}")
    async with db() as session:
        actions = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.actor_username == "lead")))
    assert "view_alert" in actions
