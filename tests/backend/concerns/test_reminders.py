"""Unread concerns past their working day remind the safeguarding leads, once a day at most, with no child's words."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.app import create_app
from backend.concerns.context import REMINDER_TASK
from backend.concerns.models import Concern
from backend.concerns.reminders import remind_unread
from backend.concerns.settings import ConcernSettings, concerns_from_env
from backend.concerns.store import close, mark_read
from backend.config import Settings, SmtpSettings
from backend.reminders.job import send_reminders
from backend.staff.models import AuditEntry
from backend.timeutil import utcnow
from tests.backend.concerns.support import CHILD_WORDS, events, load, stored_at
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

MakeStaff = Callable[..., Awaitable[Any]]
# Friday 4 December 2026, 16:00 UK time: due Monday 7 December, 16:00.
RECEIVED = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


def _mailing(settings: Settings, port: int, *extra: str) -> Settings:
    return dataclasses.replace(
        settings,
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", timeout_seconds=3),
        concerns=ConcernSettings(notify_emails=extra),
        public_url="https://staff.example",
    )


@pytest.fixture
async def staff(make_staff: MakeStaff) -> Any:
    """Two leads with an email, one without, one disabled, and a manager (never reminded of concerns)."""
    lead = await make_staff("lead-a", "safeguarding_lead", email="lead-a@council.example")
    await make_staff("lead-b", "safeguarding_lead", email="lead-b@council.example")
    await make_staff("lead-c", "safeguarding_lead")
    await make_staff("manager", "manager", homes=("home-1",), email="manager@home.example")
    gone = await make_staff("lead-gone", "safeguarding_lead", email="gone@council.example")
    return lead, gone


async def _disable(db: async_sessionmaker, user: Any) -> None:
    async with db() as session:
        (await session.get(type(user), user.id)).active = False
        await session.commit()


async def test_an_unread_overdue_concern_emails_every_lead_and_the_extra_addresses_without_the_childs_words(
    settings: Settings, db: async_sessionmaker, staff: Any, smtp: SmtpServer
) -> None:
    await _disable(db, staff[1])
    configured = _mailing(settings, smtp.port, "dsl@council.example")
    concern = await stored_at(db, settings, RECEIVED, "overdue-key-1", category="neglect")
    now = DUE + timedelta(minutes=1)
    assert await remind_unread(db, configured, now) == [concern.id]
    assert sorted(r for m in smtp.received for r in m.recipients) == [
        "dsl@council.example",
        "lead-a@council.example",
        "lead-b@council.example",
    ]
    mail = smtp.received[0].message
    assert mail["Subject"] == f"Safeguarding concern #{concern.id} not read yet - home-1"
    body = mail.get_payload(decode=True).decode()
    for expected in (
        "Home: home-1",
        "What: Neglect",
        "Received (UK time): Fri 4 Dec 2026, 16:00",
        "Due (UK time): Mon 7 Dec 2026, 16:00",
        f"https://staff.example/staff/concerns/{concern.id}",
    ):
        assert expected in body, expected
    for private in (CHILD_WORDS, "secret", "conv-abc-123"):
        assert private not in body and private not in mail["Subject"]
    assert (await load(db, concern.id)).last_reminder_at == now
    history = await events(db, concern.id)
    assert (history[-1].kind, history[-1].detail) == ("reminder_sent", "by email to 3 address(es)")
    async with db() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "concern.reminder_sent"))
    assert (audit.actor_username, audit.target_id) == ("system", str(concern.id))


async def test_a_concern_is_reminded_at_most_once_in_24_hours(
    settings: Settings, db: async_sessionmaker, staff: Any, smtp: SmtpServer
) -> None:
    configured = _mailing(settings, smtp.port)
    concern = await stored_at(db, settings, RECEIVED, "overdue-key-2")
    first = DUE + timedelta(minutes=5)
    assert await remind_unread(db, configured, first) == [concern.id]
    sent = len(smtp.received)
    for later in (first + timedelta(minutes=5), first + timedelta(hours=23, minutes=59)):
        assert await remind_unread(db, configured, later) == []
    assert len(smtp.received) == sent
    assert await remind_unread(db, configured, first + timedelta(hours=24)) == [concern.id]
    assert len(smtp.received) == 2 * sent
    kinds = [e.kind for e in await events(db, concern.id)]
    assert kinds.count("reminder_sent") == 2


async def test_only_unread_concerns_past_their_working_day_are_reminded(
    settings: Settings, db: async_sessionmaker, staff: Any, smtp: SmtpServer
) -> None:
    lead = staff[0]
    configured = _mailing(settings, smtp.port)
    unread = await stored_at(db, settings, RECEIVED, "unread-key-1")
    read = await stored_at(db, settings, RECEIVED, "read-key-001")
    closed = await stored_at(db, settings, RECEIVED, "closed-key-01")
    not_due = await stored_at(db, settings, DUE - timedelta(hours=1), "not-due-key-1")
    async with db() as session:
        await mark_read(session, await session.get(Concern, read.id), lead, DUE - timedelta(hours=2))
    async with db() as session:
        await close(session, await session.get(Concern, closed.id), lead, DUE - timedelta(hours=2), "done")
    assert await remind_unread(db, configured, DUE) == [unread.id]
    for quiet in (read, closed, not_due):
        assert "reminder_sent" not in [e.kind for e in await events(db, quiet.id)]


async def test_without_a_mail_server_the_reminder_is_logged_and_recorded(
    settings: Settings, db: async_sessionmaker, staff: Any, caplog: pytest.LogCaptureFixture
) -> None:
    concern = await stored_at(db, settings, RECEIVED, "no-smtp-key-1")
    with caplog.at_level(logging.WARNING, logger="backend.concerns"):
        assert await remind_unread(db, settings, DUE) == [concern.id]
    assert f"Safeguarding concern #{concern.id} not read yet" in caplog.text
    assert CHILD_WORDS not in caplog.text
    history = await events(db, concern.id)
    assert (history[-1].kind, history[-1].detail) == ("reminder_sent", "logged only: no mail server (SMTP_HOST) set")


async def test_when_every_email_fails_the_next_pass_tries_again(
    settings: Settings, db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    await make_staff("lead", "safeguarding_lead", email="lead@council.example")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    concern = await stored_at(db, settings, RECEIVED, "failing-key-1")
    assert await remind_unread(db, _mailing(settings, port), DUE) == []
    history = [(e.kind, e.detail) for e in await events(db, concern.id)]
    assert history[-2:] == [
        ("reminder_sent", "by email to 1 address(es)"),
        ("reminder_failed", "could not email lead@council.example; tried again at the next check"),
    ]
    assert (await load(db, concern.id)).last_reminder_at is None
    # Still due for a reminder: the next pass (minutes later, not a day) tries again.
    async with db() as session:
        waiting = await session.scalar(select(Concern.id).where(Concern.last_reminder_at.is_(None)))
    assert waiting == concern.id


async def test_the_backend_runs_the_reminder_loop_by_itself(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    db: async_sessionmaker,
    staff: Any,
    smtp: SmtpServer,
) -> None:
    concern = await stored_at(db, settings, utcnow() - timedelta(days=10), "loop-key-001")
    configured = dataclasses.replace(
        _mailing(settings, smtp.port), concerns=ConcernSettings(reminder_period_seconds=0.05)
    )
    client = await aiohttp_client(create_app(configured))
    assert not client.app[REMINDER_TASK].done()
    await wait_for_async(lambda: len(smtp.received) >= 2, within=10)
    assert (await load(db, concern.id)).last_reminder_at is not None


async def test_the_daily_reminder_tells_each_lead_how_many_concerns_are_open_and_overdue(
    settings: Settings, db: async_sessionmaker, staff: Any, smtp: SmtpServer
) -> None:
    await stored_at(db, settings, utcnow() - timedelta(days=10), "daily-old-01", category="staff_conduct")
    await stored_at(db, settings, utcnow(), "daily-new-01")
    sent = await send_reminders(db, _mailing(settings, smtp.port), utcnow())
    leads = {r.username: r for r in sent if r.username.startswith("lead")}
    assert set(leads) == {"lead-a", "lead-b", "lead-c", "lead-gone"}
    assert "manager" not in {r.username for r in sent}  # no due cases, and concerns are for leads
    mails = {m.recipients[0]: m.message for m in smtp.received}
    assert set(mails) == {"lead-a@council.example", "lead-b@council.example", "gone@council.example"}
    mail = mails["lead-a@council.example"]
    assert mail["Subject"] == "Safeguarding concerns: 1 overdue, 2 open"
    body = mail.get_payload(decode=True).decode()
    assert "https://staff.example/staff/concerns" in body
    assert CHILD_WORDS not in body and "Staff conduct" not in body


def test_concern_settings_come_from_the_environment_and_mistakes_stop_start_up() -> None:
    parsed = concerns_from_env(
        {"CONCERN_NOTIFY_EMAILS": " dsl@x.uk, lado@x.uk ", "CONCERN_REMINDER_PERIOD_SECONDS": "60"}
    )
    assert parsed == ConcernSettings(notify_emails=("dsl@x.uk", "lado@x.uk"), reminder_period_seconds=60)
    assert concerns_from_env({}) == ConcernSettings(notify_emails=(), reminder_period_seconds=300)
    for bad in ({"CONCERN_NOTIFY_EMAILS": "not-an-address"}, {"CONCERN_REMINDER_PERIOD_SECONDS": "0"}):
        with pytest.raises(RuntimeError):
            concerns_from_env(bad)
    configured = Settings.from_env({"SERVICE_TOKEN": "t" * 32, "CONCERN_NOTIFY_EMAILS": "dsl@x.uk"})
    assert configured.concerns.notify_emails == ("dsl@x.uk",)


async def test_times_in_the_reminder_are_uk_clock_times_in_summer_too(
    settings: Settings, db: async_sessionmaker, staff: Any, smtp: SmtpServer
) -> None:
    """Times in the email are UK clock times (BST in summer)."""
    concern = await stored_at(db, settings, datetime(2026, 7, 2, 8, 0, tzinfo=UTC), "summer-key-1")
    await remind_unread(db, _mailing(settings, smtp.port), datetime(2026, 7, 3, 9, 1, tzinfo=UTC))
    body = smtp.received[0].message.get_payload(decode=True).decode()
    assert "Received (UK time): Thu 2 Jul 2026, 09:00" in body
    assert "Due (UK time): Fri 3 Jul 2026, 09:00" in body
    assert f"/staff/concerns/{concern.id}" in body
