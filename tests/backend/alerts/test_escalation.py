"""Unacknowledged alerts escalate down the list after the configured time, also across restarts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert, AlertEvent
from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import RecordingHttpServer, contact, post_alert, with_safeguarding
from tests.backend.conftest import login
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

AFTER = 0.6  # seconds before escalation, in these tests


async def _alert(db: async_sessionmaker, alert_id: int) -> Alert:
    async with db() as session:
        return await session.get(Alert, alert_id)


async def _kinds(db: async_sessionmaker, alert_id: int) -> list[str]:
    async with db() as session:
        return list(
            await session.scalars(
                select(AlertEvent.kind).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
            )
        )


async def test_an_unacknowledged_alert_goes_down_the_list_by_email_and_webhook(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
) -> None:
    smtp, hook = await SmtpServer().start(), await RecordingHttpServer().start()
    try:
        configured = with_safeguarding(
            settings,
            smtp_port=smtp.port,
            escalate_after_seconds=AFTER,
            notify_emails=("duty@home.example",),
            webhook_url=hook.url + "/hook",
            escalation=(contact("Deputy", "deputy@home.example"), contact("Director", "director@la.example")),
        )
        client = await aiohttp_client(create_app(configured))
        started = time.monotonic()
        receipt = await post_alert(client, service_headers)
        await wait_for_async(lambda: smtp.to("duty@home.example"), within=3)
        assert not smtp.to("deputy@home.example")  # not before its time
        await wait_for_async(lambda: smtp.to("deputy@home.example"), within=3)
        first_escalation = time.monotonic() - started
        await wait_for_async(lambda: smtp.to("director@la.example"), within=5)
        second_escalation = time.monotonic() - started
        # Never early; the upper bounds leave room for a busy test machine.
        assert AFTER <= first_escalation < AFTER + 2.0
        assert 2 * AFTER <= second_escalation < 2 * AFTER + 3.0
        subject = smtp.to("director@la.example")[0]["Subject"]
        assert subject.startswith("ESCALATED: Safeguarding alert #")
        await wait_for_async(lambda: len(hook.received) >= 3)
        assert [r.body["event"] for r in hook.received] == ["created", "escalated", "escalated"]
        assert [r.body["contact"] for r in hook.received] == [None, "Deputy", "Director"]
        await asyncio.sleep(AFTER * 2)  # the list is used up: nothing more
        assert len(smtp.received) == 3
        alert = await _alert(db, receipt["alert_id"])
        assert (alert.status, alert.escalation_level, alert.next_escalation_at) == ("escalated", 2, None)
        kinds = await _kinds(db, alert.id)
        assert kinds.count("escalated") == 2
        assert kinds.count("notified") == 6  # 3 emails + 3 webhook posts
    finally:
        await smtp.stop()
        await hook.stop()


async def test_an_acknowledged_alert_does_not_escalate(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
    db: async_sessionmaker,
) -> None:
    smtp = await SmtpServer().start()
    try:
        configured = with_safeguarding(
            settings,
            smtp_port=smtp.port,
            escalate_after_seconds=1.0,
            escalation=(contact("Deputy", "deputy@home.example"),),
        )
        client = await aiohttp_client(create_app(configured))
        await make_staff("lead", "safeguarding_lead")
        csrf = await login(client, "lead")  # first: logging in takes a while (argon2)
        receipt = await post_alert(client, service_headers)
        resp = await client.post(
            f"/staff/alerts/{receipt['alert_id']}/acknowledge", data={"csrf_token": csrf}, allow_redirects=False
        )
        assert resp.status == 303
        await asyncio.sleep(2.5)
        assert smtp.received == []
        assert "escalated" not in await _kinds(db, receipt["alert_id"])
    finally:
        await smtp.stop()


async def test_escalation_carries_on_after_a_restart(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
) -> None:
    smtp = await SmtpServer().start()
    try:
        configured = with_safeguarding(
            settings,
            smtp_port=smtp.port,
            escalate_after_seconds=1.0,
            escalation=(contact("Deputy", "deputy@home.example"),),
        )
        first = await aiohttp_client(create_app(configured))
        receipt = await post_alert(first, service_headers)
        await first.close()  # the backend stops before the alert is due
        assert smtp.received == []
        await asyncio.sleep(1.0)
        second = await aiohttp_client(create_app(configured))  # noqa: F841 - running is the point
        await wait_for_async(lambda: smtp.to("deputy@home.example"), within=3)
        alert = await _alert(db, receipt["alert_id"])
        assert (alert.status, alert.escalation_level) == ("escalated", 1)
    finally:
        await smtp.stop()


async def test_a_home_can_have_its_own_escalation_list(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
) -> None:
    hook = await RecordingHttpServer().start()
    try:
        configured = with_safeguarding(
            settings,
            escalate_after_seconds=0.3,
            escalation=(contact("Global", webhook=hook.url + "/global"),),
            escalation_by_home={"home-9": (contact("Home nine", webhook=hook.url + "/home9"),)},
        )
        client = await aiohttp_client(create_app(configured))
        await post_alert(client, service_headers, "home-nine-01", home="home-9")
        await post_alert(client, service_headers, "home-one-001", home="home-1")
        await wait_for_async(lambda: len(hook.received) >= 2, within=3)
        await asyncio.sleep(0.3)
        assert sorted(r.path for r in hook.received) == ["/global", "/home9"]
    finally:
        await hook.stop()
