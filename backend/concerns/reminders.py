"""Reminds safeguarding leads of concerns nobody has read within their working day.

One pass (`remind_unread`) is what the loop runs every few minutes and what tests call.
Each unread, overdue concern is reminded at most once per 24 hours; the email names
the concern, home, category and times, never the child's words.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts.labels import category_label
from backend.alerts.routing import staff_conduct_emails
from backend.concerns.history import record
from backend.concerns.models import NEW, Concern
from backend.config import Settings, SmtpSettings
from backend.db import rowcount
from backend.models import StaffUser
from backend.notify.email import EmailFailedError, send_email
from backend.staff.conduct import is_about_staff
from backend.staff.roles import SAFEGUARDING_LEAD
from backend.timeutil import utcnow
from backend.web.templating import format_datetime

log = logging.getLogger(__name__)

REMIND_AGAIN_AFTER = timedelta(hours=24)


async def recipients(session: AsyncSession, settings: Settings) -> list[str]:
    """Every active safeguarding lead with an email, then CONCERN_NOTIFY_EMAILS; each address once."""
    leads = await session.scalars(
        select(StaffUser.email)
        .where(StaffUser.active.is_(True), StaffUser.role == SAFEGUARDING_LEAD, StaffUser.email.is_not(None))
        .order_by(StaffUser.username)
    )
    addresses = [e.strip() for e in leads if e and e.strip()] + list(settings.concerns.notify_emails)
    return list(dict.fromkeys(addresses))


async def recipients_for(session: AsyncSession, settings: Settings, concern: Concern) -> list[str]:
    """An allegation against staff goes only to the leads and complaints officers (backend/alerts/routing.py)."""
    if await is_about_staff(session, concern.category, concern.conversation_id):
        return list(await staff_conduct_emails(session, settings.safeguarding))
    return await recipients(session, settings)


def reminder_email(concern: Concern, public_url: str) -> tuple[str, str]:
    subject = f"Safeguarding concern #{concern.id} not read yet - {concern.home_code}"
    lines = [
        "A safeguarding concern has not been read yet, and its working day is over.",
        "",
        f"Concern: #{concern.id}",
        f"Home: {concern.home_code}",
        f"What: {category_label(concern.category)}",
        f"Received (UK time): {format_datetime(concern.received_at)}",
        f"Due (UK time): {format_datetime(concern.due_at)}",
        "",
        "Read it, then close it with a note or turn it into an alert:",
        f"{public_url}/staff/concerns/{concern.id}",
        "",
        "The child's words are not in this email; log in to read them.",
    ]
    return subject, "\n".join(lines)


async def _claim(session: AsyncSession, concern: Concern, now: datetime) -> bool:
    """Conditional update: a second backend process (or pass) never reminds the same concern twice."""
    result = await session.execute(
        update(Concern)
        .where(
            Concern.id == concern.id,
            Concern.status == NEW,
            or_(Concern.last_reminder_at.is_(None), Concern.last_reminder_at <= now - REMIND_AGAIN_AFTER),
        )
        .values(last_reminder_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return rowcount(result) == 1


async def _send(smtp: SmtpSettings, to: list[str], subject: str, body: str) -> tuple[list[str], list[str]]:
    """Each address on its own, so one bad address does not stop the others; returns (sent, failed)."""
    sent: list[str] = []
    failed: list[str] = []
    for address in to:
        try:
            await send_email(smtp, [address], subject, body)
            sent.append(address)
        except EmailFailedError as exc:
            log.error("concern reminder to %s failed: %s", address, exc)
            failed.append(address)
    return sent, failed


async def remind_one(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, concern: Concern, now: datetime
) -> bool:
    """Claim and record, then send. False if another pass got it first or no email could be sent.

    The claim (last_reminder_at) and its history line are committed together before sending,
    so a reminder is never sent twice nor without its record; a failure adds a line of its own.
    """
    previous = concern.last_reminder_at
    async with sessionmaker() as session:
        to = await recipients_for(session, settings, concern)
        by_email = settings.smtp is not None and bool(to)
        why = "no mail server (SMTP_HOST) set" if settings.smtp is None else "no address to send to"
        if not await _claim(session, concern, now):
            await session.rollback()
            return False
        await record(
            session,
            concern,
            "reminder_sent",
            detail=f"by email to {len(to)} address(es)" if by_email else f"logged only: {why}",
        )
        await session.commit()
    subject, body = reminder_email(concern, settings.public_url)
    if settings.smtp is None or not to:
        log.warning("%s (%s): %s", subject, why, body.replace("\n", " | "))
        return True
    sent, failed = await _send(settings.smtp, to, subject, body)
    if not failed:
        return True
    async with sessionmaker() as session:
        stored = await session.get(Concern, concern.id, populate_existing=True)
        if stored is None:
            return False
        detail = f"could not email {', '.join(failed)}"
        if not sent and stored.last_reminder_at == now:
            # Nobody was told: undo the claim so the next pass tries again, instead of in 24 hours.
            stored.last_reminder_at = previous
            detail += "; tried again at the next check"
        await record(session, stored, "reminder_failed", detail=detail)
        await session.commit()
    return bool(sent)


async def remind_unread(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> list[int]:
    """One pass: every concern still unread after its working day, not reminded in the last 24 hours."""
    async with sessionmaker() as session:
        due = list(
            await session.scalars(
                select(Concern)
                .where(
                    Concern.status == NEW,
                    Concern.due_at <= now,
                    or_(Concern.last_reminder_at.is_(None), Concern.last_reminder_at <= now - REMIND_AGAIN_AFTER),
                )
                .order_by(Concern.due_at, Concern.id)
            )
        )
    return [c.id for c in due if await remind_one(sessionmaker, settings, c, now)]


async def reminder_loop(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    while True:
        try:
            await remind_unread(sessionmaker, settings, utcnow())
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database hiccup must not stop the reminders for good: log and try again next period.
            log.exception("concern reminder pass failed; retrying")
        await asyncio.sleep(settings.concerns.reminder_period_seconds)
