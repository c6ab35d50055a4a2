"""When a concern must have been read and closed: one working day, same clock time in England (pure)."""

from __future__ import annotations

from datetime import datetime

from backend.deadlines import LONDON, WorkingCalendar

WORKING_DAYS_TO_REVIEW = 1


def due_at(received_at: datetime, calendar: WorkingCalendar) -> datetime:
    """Friday 17:00 -> Monday 17:00; the evening before Christmas Day -> the next working day after it.

    The clock time is kept in local time, so a concern received at 09:00 in October is due
    at 09:00 after the clocks go back, not at 08:00.
    """
    local = received_at.astimezone(LONDON)
    day = calendar.add_working_days(local.date(), WORKING_DAYS_TO_REVIEW)
    return datetime.combine(day, local.time(), tzinfo=LONDON).astimezone(received_at.tzinfo)
