"""The safeguarding leads' part of the daily reminder: open concerns, how many are overdue, the link."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.concerns.queries import open_counts
from backend.concerns.scope import EVERYTHING
from backend.config import Settings
from backend.models import StaffUser
from backend.reminders.reminder import Reminder
from backend.staff.roles import SAFEGUARDING_LEAD


def _body(user: StaffUser, open_count: int, overdue: int, settings: Settings) -> str:
    return "\n".join(
        [
            f"Good morning {user.username},",
            "",
            f"Safeguarding concerns waiting to be read and closed: {open_count}",
            f"Of these, past their working day: {overdue}",
            "",
            f"Open the review queue: {settings.public_url}/staff/concerns",
            "",
            "This email gives numbers only; children's words stay on the concern pages.",
        ]
    )


async def build_concern_reminders(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> list[Reminder]:
    """One reminder per active safeguarding lead while any concern is open (they see every home's)."""
    async with sessionmaker() as session:
        counts = await open_counts(session, EVERYTHING, now)
        if not counts.open:
            return []
        leads = await session.scalars(
            select(StaffUser)
            .where(StaffUser.active.is_(True), StaffUser.role == SAFEGUARDING_LEAD)
            .order_by(StaffUser.username)
        )
        return [
            Reminder(
                username=lead.username,
                email=lead.email,
                subject=f"Safeguarding concerns: {counts.overdue} overdue, {counts.open} open",
                body=_body(lead, counts.open, counts.overdue, settings),
                overdue=counts.overdue,
                due_soon=counts.open - counts.overdue,
            )
            for lead in leads
        ]
