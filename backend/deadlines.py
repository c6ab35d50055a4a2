"""Working-day arithmetic for statutory deadlines (pure: no database, no clock).

A working day is Monday to Friday that is neither an England bank holiday
(from the `holidays` package) nor one of the organisation's closure days.
The day something arrives is day 0; "3 working days" is the third working
day after it, so a complaint received on a Saturday counts from Monday.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
# A deadline this many working days away or fewer is "due soon": amber on the case list,
# and in the daily reminder email (both ask WorkingCalendar.is_due_soon / due_soon_until).
DUE_SOON_WORKING_DAYS = 2


@lru_cache(maxsize=1)
def _england_bank_holidays() -> holidays.HolidayBase:
    # expand=True (the default) fills in any year the first time it is asked about.
    return holidays.country_holidays("GB", subdiv="ENG")


def is_bank_holiday(day: date) -> bool:
    return day in _england_bank_holidays()


def local_date(moment: datetime) -> date:
    """The date in England for an aware datetime (a 23:30 UTC arrival in summer is the next day)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


class WorkingCalendar:
    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        self.closure_days = frozenset(closure_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day) and day not in self.closure_days

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself is day 0)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        counted = 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative if end is before start)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=n)))

    def due_soon_until(self, today: date) -> date:
        """The last due date that is "due soon" today: up to DUE_SOON_WORKING_DAYS working days away.

        A weekend, bank holiday or closure day right after the last of those working days is
        included: a deadline on it is no more working days away than the working day before it.
        """
        return self.add_working_days(today, DUE_SOON_WORKING_DAYS + 1) - timedelta(days=1)

    def is_due_soon(self, due: date, today: date) -> bool:
        """Due today or within DUE_SOON_WORKING_DAYS working days (not overdue: that is its own state)."""
        return today <= due <= self.due_soon_until(today)
