"""Who is told about an allegation against staff: the leads and complaints officers, never the manager.

Real local servers receive what is sent (an SMTP sink, a webhook recorder); nothing is mocked.
The general notify list and webhook may be a shared inbox or channel the home's manager reads,
so they are not used for staff conduct; the escalation list loses every manager's address.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import AlertNotification
from backend.app import create_app
from backend.concerns.reminders import remind_unread
from backend.config import Settings
from backend.reminders.job import send_reminders
from backend.timeutil import utcnow
from tests.backend.alerts_support import RecordingHttpServer, contact, post_alert, with_safeguarding
from tests.backend.concerns.support import stored_at
from tests.backend.conftest import login, submit
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

MakeStaff = Callable[..., Awaitable[Any]]
MANAGER_EMAIL = "manager@home.example"
DUTY_INBOX = "duty@home.example"
LEAD_EMAIL = "lead@council.example"
OFFICER_EMAIL = "officer@council.example"
DEADLINE = 10.0


@pytest.fixture
async def hooks() -> AsyncIterator[RecordingHttpServer]:
    server = await RecordingHttpServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def people(make_staff: MakeStaff) -> None:
    await make_staff("mgr", "manager", homes=("home-1",), email=MANAGER_EMAIL)
    await make_staff("aud", "auditor", email="auditor@council.example")
    await make_staff("lead", "safeguarding_lead", email=LEAD_EMAIL)
    await make_staff("officer", "complaints_officer", email=OFFICER_EMAIL)


def _configured(settings: Settings, smtp: SmtpServer, hooks: RecordingHttpServer, **extra: Any) -> Settings:
    options: dict[str, Any] = {
        "notify_emails": (DUTY_INBOX, MANAGER_EMAIL),
        "webhook_url": hooks.url + "/general",
        "staff_conduct_webhook_url": hooks.url + "/conduct",
        "escalate_after_seconds": 0.2,
        "escalation": (
            contact("Home manager", MANAGER_EMAIL, webhook=hooks.url + "/manager-phone"),
            contact("Safeguarding lead", LEAD_EMAIL),
        ),
    }
    return with_safeguarding(settings, smtp_port=smtp.port, **{**options, **extra})


async def _notifications(db: async_sessionmaker, alert_id: int) -> list[tuple[str, str]]:
    async with db() as session:
        rows = await session.scalars(
            select(AlertNotification).where(AlertNotification.alert_id == alert_id).order_by(AlertNotification.id)
        )
        return [(n.reason, n.target) for n in rows]


@pytest.mark.usefixtures("people")
async def test_an_allegation_against_staff_never_reaches_the_managers_inbox_phone_or_channel(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
    smtp: SmtpServer,
    hooks: RecordingHttpServer,
) -> None:
    client = await aiohttp_client(create_app(_configured(settings, smtp, hooks)))
    receipt = await post_alert(client, service_headers, "conduct-route-1", category="staff_conduct")
    alert_id = receipt["alert_id"]
    # Nobody acknowledges: it escalates through the list without the manager.
    await wait_for_async(lambda: smtp.to(LEAD_EMAIL) and len(smtp.to(LEAD_EMAIL)) >= 2, within=DEADLINE)
    await wait_for_async(lambda: any(r.path == "/conduct" for r in hooks.received), within=DEADLINE)
    sent = await _notifications(db, alert_id)
    assert ("created", LEAD_EMAIL) in sent and ("created", OFFICER_EMAIL) in sent
    assert ("escalated:1", LEAD_EMAIL) in sent
    targets = {target for _, target in sent}
    assert MANAGER_EMAIL not in targets and DUTY_INBOX not in targets
    assert hooks.url + "/general" not in targets and hooks.url + "/manager-phone" not in targets
    assert smtp.to(MANAGER_EMAIL) == [] and smtp.to(DUTY_INBOX) == []
    assert smtp.to("auditor@council.example") == []
    assert {r.path for r in hooks.received} == {"/conduct"}
    # The alert page shows the list actually used.
    await login(client, "officer")
    page = await (await client.get(f"/staff/alerts/{alert_id}")).text()
    ladder = page.split('id="escalation"', 1)[1]
    assert "Safeguarding lead" in ladder and "Home manager" not in ladder


@pytest.mark.usefixtures("people")
async def test_a_later_alert_from_the_same_conversation_is_routed_the_same_way(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
    smtp: SmtpServer,
    hooks: RecordingHttpServer,
) -> None:
    client = await aiohttp_client(create_app(_configured(settings, smtp, hooks, escalate_after_seconds=3600)))
    await post_alert(client, service_headers, "conduct-route-2", category="staff_conduct", conversation_id="conv-s")
    later = await post_alert(client, service_headers, "conduct-route-3", category="neglect", conversation_id="conv-s")
    targets = {target for _, target in await _notifications(db, later["alert_id"])}
    assert targets == {LEAD_EMAIL, OFFICER_EMAIL, hooks.url + "/conduct"}


@pytest.mark.usefixtures("people")
async def test_an_ordinary_alert_still_goes_to_everyone_configured(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
    smtp: SmtpServer,
    hooks: RecordingHttpServer,
) -> None:
    client = await aiohttp_client(create_app(_configured(settings, smtp, hooks, escalate_after_seconds=3600)))
    receipt = await post_alert(client, service_headers, "plain-route-01", category="bullying_threats")
    targets = {target for _, target in await _notifications(db, receipt["alert_id"])}
    assert targets == {DUTY_INBOX, MANAGER_EMAIL, hooks.url + "/general"}


@pytest.mark.usefixtures("people")
async def test_a_configured_staff_conduct_list_replaces_the_homes_list(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    db: async_sessionmaker,
    smtp: SmtpServer,
    hooks: RecordingHttpServer,
) -> None:
    configured = _configured(
        settings,
        smtp,
        hooks,
        staff_conduct_emails=("lado@council.example",),
        staff_conduct_escalation=(contact("Director", "director@council.example"),),
    )
    client = await aiohttp_client(create_app(configured))
    receipt = await post_alert(client, service_headers, "conduct-route-4", category="staff_conduct")
    await wait_for_async(lambda: smtp.to("director@council.example"), within=DEADLINE)
    targets = {target for _, target in await _notifications(db, receipt["alert_id"])}
    assert {"lado@council.example", LEAD_EMAIL, OFFICER_EMAIL, "director@council.example"} <= targets
    assert MANAGER_EMAIL not in targets


@pytest.mark.usefixtures("people")
async def test_an_unread_staff_conduct_concern_is_not_reminded_to_the_manager(
    settings: Settings, db: async_sessionmaker, smtp: SmtpServer, hooks: RecordingHttpServer
) -> None:
    configured = _configured(settings, smtp, hooks)
    configured = dataclasses.replace(
        configured, concerns=dataclasses.replace(configured.concerns, notify_emails=(MANAGER_EMAIL,))
    )
    old = utcnow() - timedelta(days=5)
    staff = await stored_at(db, configured, old, "conduct-concern-1", category="staff_conduct", conversation_id="c1")
    plain = await stored_at(db, configured, old, "plain-concern-01", conversation_id="c2")
    reminded = await remind_unread(db, configured, utcnow())
    assert sorted(reminded) == sorted([staff.id, plain.id])
    subjects = {mail.recipients[0]: [] for mail in smtp.received}
    for mail in smtp.received:
        subjects[mail.recipients[0]].append(mail.message["Subject"])
    assert all(f"#{staff.id} " not in s for s in subjects.get(MANAGER_EMAIL, []))
    assert any(f"#{plain.id} " in s for s in subjects[MANAGER_EMAIL])  # CONCERN_NOTIFY_EMAILS still work
    assert any(f"#{staff.id} " in s for s in subjects[LEAD_EMAIL])
    assert any(f"#{staff.id} " in s for s in subjects[OFFICER_EMAIL])


@pytest.mark.usefixtures("people")
async def test_the_managers_daily_reminder_never_names_a_staff_conduct_case(
    settings: Settings, client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    conduct = (await submit(client, service_headers, staff_conduct=True))["reference"]
    plain = (await submit(client, service_headers))["reference"]
    async with db() as session:
        await session.execute(text("UPDATE cases SET due_on = :d"), {"d": (utcnow() - timedelta(days=10)).date()})
        await session.commit()
    reminders = {r.username: r.body for r in await send_reminders(db, settings, utcnow())}
    assert plain in reminders["mgr"] and conduct not in reminders["mgr"]
    assert conduct in reminders["officer"] and plain in reminders["officer"]
