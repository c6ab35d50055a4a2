"""Staff concern pages: the queue's order and deadlines, reading, closing, turning into an alert, CSRF, escaping."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert, AlertEvent, AlertNotification
from backend.app import create_app
from backend.concerns.store import close, mark_read
from backend.config import Settings
from backend.timeutil import utcnow
from tests.backend.alerts_support import read_sse, with_safeguarding
from tests.backend.concerns.support import CHILD_WORDS, events, load, post_concern, stored_at
from tests.backend.conftest import login
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

MakeStaff = Callable[..., Awaitable[Any]]
LIMIT_SECONDS = 10.0


def _row_ids(html: str, section: str) -> list[int]:
    """Concern numbers in the order their rows appear in one table of the list page."""
    part = html.split(f'id="{section}"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r'<tr class="concern-row[^"]*" data-id="(\d+)"', part)]


def _row(html: str, concern_id: int) -> str:
    return html.split(f'data-id="{concern_id}"', 1)[1].split("</tr>", 1)[0]


async def test_the_queue_shows_unread_first_then_read_oldest_due_first_with_overdue_in_red(
    client: TestClient, settings: Settings, db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    lead = await make_staff("lead", "safeguarding_lead")
    now = utcnow()
    read_long_ago = await stored_at(db, settings, now - timedelta(days=20), "read-old-01")
    unread_fresh = await stored_at(db, settings, now - timedelta(minutes=5), "unread-new-1")
    unread_old = await stored_at(db, settings, now - timedelta(days=10), "unread-old-1")
    closed = await stored_at(db, settings, now - timedelta(days=30), "closed-old-1")
    async with db() as session:
        await mark_read(session, read_long_ago, lead, now - timedelta(days=19))
    async with db() as session:
        await close(session, closed, lead, now - timedelta(days=29), "Talked with the child; nothing more needed")
    await login(client, "lead")
    html = await (await client.get("/staff/concerns")).text()
    assert _row_ids(html, "open-concerns") == [unread_old.id, unread_fresh.id, read_long_ago.id]
    assert 'id="done-concerns"' not in html  # closed ones are behind ?show=all
    assert "badge overdue" in _row(html, unread_old.id) and "Overdue by" in _row(html, unread_old.id)
    assert "badge overdue" in _row(html, read_long_ago.id)  # read is not enough: it must be closed too
    assert "badge due-soon" in _row(html, unread_fresh.id) and "Due in" in _row(html, unread_fresh.id)
    assert "2</strong> not read yet" in html
    everything = await (await client.get("/staff/concerns?show=all")).text()
    assert _row_ids(everything, "done-concerns") == [closed.id]
    assert "badge" not in _row(everything, closed.id)


async def test_opening_a_concern_marks_it_read_once_by_the_first_person(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers))["concern_id"]
    lead = await make_staff("lead", "safeguarding_lead")
    await make_staff("officer", "complaints_officer")
    await login(client, "lead")
    before = utcnow()
    page = await (await client.get(f"/staff/concerns/{concern_id}")).text()
    for expected in (
        CHILD_WORDS.replace("'", "&#39;"),
        "it&#39;s a secret",
        "Sexual abuse",
        "secret_at_night",
        "conv-abc-123",
        "home-1",
        "one message the detector was unsure about",
        "Read by lead",
    ):
        assert expected in page, expected
    await client.get(f"/staff/concerns/{concern_id}")
    await login(client, "officer")
    await client.get(f"/staff/concerns/{concern_id}")
    concern = await load(db, concern_id)
    assert (concern.status, concern.read_by_id, concern.read_by_name) == ("read", lead.id, "lead")
    assert before <= concern.read_at <= utcnow()
    assert [(e.kind, e.actor_name) for e in await events(db, concern_id)] == [("created", "system"), ("read", "lead")]


async def test_the_auditor_reads_without_marking_read_and_cannot_act(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers))["concern_id"]
    await make_staff("aud", "auditor")
    csrf = await login(client, "aud")
    page = await client.get(f"/staff/concerns/{concern_id}")
    assert page.status == 200
    html = await page.text()
    assert "Read-only" in html and f"/staff/concerns/{concern_id}/close" not in html
    for action in ("close", "alert"):
        resp = await client.post(
            f"/staff/concerns/{concern_id}/{action}", data={"csrf_token": csrf, "note": "x"}, allow_redirects=False
        )
        assert resp.status == 403, action
    concern = await load(db, concern_id)
    assert (concern.status, concern.read_at) == ("new", None)
    assert (await (await client.get("/staff/concerns")).text()).count(f'data-id="{concern_id}"') == 1


async def test_closing_needs_a_note_of_at_most_2000_characters_and_is_recorded(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers))["concern_id"]
    await make_staff("lead", "safeguarding_lead")
    csrf = await login(client, "lead")
    url = f"/staff/concerns/{concern_id}/close"
    resp = await client.post(url, data={"csrf_token": csrf, "note": "   "}, allow_redirects=False)
    assert resp.status == 400
    assert "Say what was done" in await resp.text()
    resp = await client.post(url, data={"csrf_token": csrf, "note": "x" * 2001}, allow_redirects=False)
    assert resp.status == 400
    assert "too long" in await resp.text()
    assert (await load(db, concern_id)).status == "new"
    note = "Talked with her key worker; she is fine and knows who to tell."
    resp = await client.post(url, data={"csrf_token": csrf, "note": note}, allow_redirects=False)
    assert resp.status == 303
    concern = await load(db, concern_id)
    assert (concern.status, concern.closed_by_name, concern.close_note) == ("closed", "lead", note)
    assert concern.read_by_name == "lead"  # closing an unread concern reads it first
    assert [(e.kind, e.detail) for e in await events(db, concern_id)][1:] == [("read", None), ("closed", note)]
    resp = await client.post(url, data={"csrf_token": csrf, "note": "again"}, allow_redirects=False)
    assert resp.status == 409
    assert "already closed" in await resp.text()
    # A closed concern can still become an alert (e.g. when a later concern shows a pattern).
    page = await (await client.get(f"/staff/concerns/{concern_id}")).text()
    assert "Turn into an alert</button>" in page and f"/staff/concerns/{concern_id}/close" not in page


async def test_turning_into_an_alert_makes_exactly_one_alert_with_one_set_of_notifications(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
    make_staff: MakeStaff,
) -> None:
    smtp = await SmtpServer().start()
    try:
        # About staff: told on the staff-conduct route, never the general (duty) list.
        configured = with_safeguarding(
            settings,
            smtp_port=smtp.port,
            notify_emails=("duty@home.example",),
            staff_conduct_emails=("conduct@council.example",),
        )
        client = await aiohttp_client(create_app(configured))
        concern_id = (await post_concern(client, service_headers, category="staff_conduct"))["concern_id"]
        await make_staff("lead", "safeguarding_lead")
        csrf = await login(client, "lead")
        stream = await client.get("/staff/alerts/stream")
        live = read_sse(stream)
        assert await anext(live) == ("snapshot", [])
        url = f"/staff/concerns/{concern_id}/alert"
        first = await client.post(url, data={"csrf_token": csrf}, allow_redirects=False)
        assert first.status == 303
        name, pushed = await asyncio.wait_for(anext(live), LIMIT_SECONDS)
        stream.close()
        again = await client.post(url, data={"csrf_token": csrf}, allow_redirects=False)
        assert again.status == 409
        await wait_for_async(lambda: smtp.to("conduct@council.example"), within=LIMIT_SECONDS)
        async with db() as session:
            alert = await session.scalar(select(Alert))
            alerts = await session.scalar(select(func.count()).select_from(Alert))
            notifications = await session.scalar(select(func.count()).select_from(AlertNotification))
            created_by = await session.scalar(select(AlertEvent.actor_name).where(AlertEvent.kind == "created"))
        assert first.headers["Location"] == f"/staff/alerts/{alert.id}"
        assert (name, pushed["id"]) == ("alert", alert.id)
        assert (alerts, notifications, len(smtp.received)) == (1, 1, 1)
        assert smtp.to("duty@home.example") == []
        assert (alert.source, alert.severity, alert.category) == ("concern", "high", "staff_conduct")
        assert (alert.message, alert.conversation_id, alert.home_code) == (CHILD_WORDS, "conv-abc-123", "home-1")
        assert alert.preceding_turns[1]["text"] == "it's a secret"
        assert created_by == "lead"
        concern = await load(db, concern_id)
        assert (concern.status, concern.alert_id, concern.escalated_by_name) == ("escalated", alert.id, "lead")
        assert [e.kind for e in await events(db, concern_id)][-1] == "turned_into_alert"
        alert_page = await (await client.get(f"/staff/alerts/{alert.id}")).text()
        assert "turned into an alert by staff from a concern" in alert_page
    finally:
        await smtp.stop()


async def test_forms_without_the_csrf_token_are_refused(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers))["concern_id"]
    await make_staff("lead", "safeguarding_lead")
    csrf = await login(client, "lead")
    for action in ("close", "alert"):
        for data in ({"note": "done"}, {"csrf_token": csrf + "x", "note": "done"}):
            resp = await client.post(f"/staff/concerns/{concern_id}/{action}", data=data, allow_redirects=False)
            assert resp.status == 403, action
    assert (await load(db, concern_id)).status == "new"
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(Alert)) == 0


async def test_a_childs_html_is_shown_escaped(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    receipt = await post_concern(
        client, service_headers, message=nasty, matched=[nasty], preceding_turns=[{"speaker": "child", "text": nasty}]
    )
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    for url in ("/staff/concerns", f"/staff/concerns/{receipt['concern_id']}"):
        html = await (await client.get(url)).text()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


async def test_concerns_sit_right_after_alerts_in_the_menu(client: TestClient, make_staff: MakeStaff) -> None:
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    html = await (await client.get("/staff/concerns")).text()
    nav = html.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    labels = re.findall(r">([^<>]+)</a>", nav)
    assert labels[labels.index("Safeguarding alerts") + 1] == "Concerns"
    assert '<a href="/staff/concerns" aria-current="page">Concerns</a>' in nav


async def test_pages_need_a_login_and_unknown_numbers_are_not_found(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers))["concern_id"]
    for url in ("/staff/concerns", f"/staff/concerns/{concern_id}"):
        resp = await client.get(url, allow_redirects=False)
        assert resp.status == 303
        assert resp.headers["Location"].startswith("/staff/login")
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    for raw in ("999", "abc", "1" * 30):
        assert (await client.get(f"/staff/concerns/{raw}")).status == 404
