"""Build and send the daily reminders: each manager's due cases, each safeguarding lead's open concerns."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.advocacy_notice.queries import Undelivered, undelivered_since
from backend.casework.queries import due_cases
from backend.casework.service import working_calendar
from backend.casework.vocab import STATE_LABELS
from backend.config import Settings
from backend.deadlines import DUE_SOON_WORKING_DAYS, LONDON, WorkingCalendar, local_date
from backend.models import StaffUser
from backend.notify.email import EmailFailedError, send_email
from backend.reminders.concerns import build_concern_reminders
from backend.reminders.reminder import Reminder
from backend.staff.audit import audit
from backend.staff.roles import COMPLAINTS_OFFICER, MANAGER, home_scope, sees_staff_conduct

log = logging.getLogger(__name__)

# An advocacy request the provider was not told about is listed in this many days' reminders
# (there is no step yet to record that staff passed it on, so it cannot wait for that).
ADVOCACY_LISTED_DAYS = 7


def _advocacy_line(item: Undelivered) -> str:
    r = item.request
    who = "anonymous" if r.anonymous else "named"
    shared = ""
    if item.reference:
        shared = f", complaint {item.reference} {'shared' if r.consent_to_share else 'not shared'}"
    why = f"failed after {r.provider_notice_attempts} attempts" if r.provider_notice == "failed" else "not configured"
    return (
        f"- {r.home_code}, asked {local_date(r.created_at):%a %d %b %Y}, {who}{shared}: "
        f"{r.provider_name} not told ({why})"
    )


def _body(
    user: StaffUser, lines_overdue: list[str], lines_due: list[str], settings: Settings, lines_advocacy: list[str]
) -> str:
    parts = [f"Good morning {user.username},", ""]
    if lines_overdue:
        parts += ["OVERDUE:", *lines_overdue, ""]
    if lines_due:
        parts += [f"Due in the next {DUE_SOON_WORKING_DAYS} working days:", *lines_due, ""]
    if lines_advocacy:
        parts += [
            f"ADVOCACY REQUESTS NOT PASSED ON (last {ADVOCACY_LISTED_DAYS} days): the provider was not told by "
            "this service; please tell them yourself if nobody has:",
            *lines_advocacy,
            "",
        ]
    parts += [f"Open the case list: {settings.public_url}/staff/cases?status=open", ""]
    parts += ["This email lists references only; children's words stay in the case pages."]
    return "\n".join(parts)


async def build_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, calendar: WorkingCalendar, today: date
) -> list[Reminder]:
    until = calendar.due_soon_until(today)
    # From the start of that day in England: anonymous requests are stored at the start of theirs.
    since = datetime.combine(today - timedelta(days=ADVOCACY_LISTED_DAYS), time(0), tzinfo=LONDON)
    reminders = []
    async with sessionmaker() as session:
        users = await session.scalars(
            select(StaffUser)
            .where(StaffUser.active.is_(True), StaffUser.role.in_((MANAGER, COMPLAINTS_OFFICER)))
            .order_by(StaffUser.username)
        )
        for user in list(users):
            homes = await home_scope(session, user)
            if homes is not None and not homes:
                continue
            # A manager's reminder never names a case about staff conduct (backend/staff/roles.py).
            cases = [
                c
                for c in await due_cases(session, homes, until)
                if sees_staff_conduct(user.role) or not c.staff_conduct
            ]
            advocacy = [
                a
                for a in await undelivered_since(session, homes, since)
                if sees_staff_conduct(user.role) or not a.staff_conduct
            ]
            if not cases and not advocacy:
                continue
            overdue: list[str] = []
            due: list[str] = []
            for case in cases:
                assert case.due_on is not None  # due_cases selects only cases with a due date
                sub = case.submission
                label = STATE_LABELS[case.state] if sub.kind == "complaint" else "response due"
                line = f"- {sub.reference} ({sub.kind}, {sub.home_code}): {label}, due {case.due_on:%a %d %b %Y}"
                (overdue if case.due_on < today else due).append(line)
            subject = f"Complaints: {len(overdue)} overdue, {len(due)} due soon"
            if advocacy:
                subject += f", {len(advocacy)} advocacy request(s) not passed on"
            reminders.append(
                Reminder(
                    username=user.username,
                    email=user.email,
                    subject=subject,
                    body=_body(user, overdue, due, settings, [_advocacy_line(a) for a in advocacy]),
                    overdue=len(overdue),
                    due_soon=len(due),
                )
            )
    return reminders


async def send_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> list[Reminder]:
    """Email each manager and safeguarding lead their list when SMTP is configured; otherwise log it."""
    reminders = await build_reminders(sessionmaker, settings, working_calendar(settings), local_date(now))
    # Safeguarding leads: the open concerns.
    reminders += await build_concern_reminders(sessionmaker, settings, now)
    for reminder in reminders:
        how = "log"
        if settings.smtp is not None and reminder.email:
            try:
                await send_email(settings.smtp, [reminder.email], reminder.subject, reminder.body)
                how = "email"
            except EmailFailedError as exc:
                log.error("reminder email to %s failed: %s", reminder.username, exc)
        if how == "log":
            log.info("reminder for %s: %s\n%s", reminder.username, reminder.subject, reminder.body)
        async with sessionmaker() as session:
            await audit(session, None, "reminder_sent", "staff_user", reminder.username, f"{reminder.subject} ({how})")
            await session.commit()
    if not reminders:
        log.info("reminders: nothing overdue or due soon")
    return reminders
