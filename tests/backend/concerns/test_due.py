"""A concern is due one working day after it arrives, at the same clock time in England."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.concerns.due import due_at
from backend.deadlines import LONDON, WorkingCalendar

CAL = WorkingCalendar()


def _london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # An ordinary weekday: the next day, same time.
        (_london(2026, 11, 24, 9, 30), _london(2026, 11, 25, 9, 30)),
        # Friday 17:00 -> Monday 17:00.
        (_london(2026, 11, 27, 17, 0), _london(2026, 11, 30, 17, 0)),
        # Saturday counts from the next working day too: due Monday, same time.
        (_london(2026, 11, 28, 11, 0), _london(2026, 11, 30, 11, 0)),
        # Christmas Eve: 25 Dec, the weekend and the Boxing Day substitute (28th) are skipped.
        (_london(2026, 12, 24, 15, 0), _london(2026, 12, 29, 15, 0)),
        # New Year's Eve: 1 Jan is a bank holiday, then the weekend.
        (_london(2026, 12, 31, 10, 0), _london(2027, 1, 4, 10, 0)),
        # Late evening stays late evening (23:30 UK is 23:30 UTC in winter).
        (_london(2026, 12, 23, 23, 30), _london(2026, 12, 24, 23, 30)),
    ],
)
def test_due_one_working_day_later_at_the_same_uk_time(received: datetime, due: datetime) -> None:
    assert due_at(received.astimezone(UTC), CAL) == due


def test_the_clock_time_is_kept_when_the_clocks_go_back() -> None:
    # Friday 23 Oct 2026 09:00 BST (08:00 UTC); the clocks go back on Sunday 25th.
    due = due_at(datetime(2026, 10, 23, 8, 0, tzinfo=UTC), CAL)
    assert due.astimezone(LONDON).replace(tzinfo=None) == datetime(2026, 10, 26, 9, 0)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_a_late_evening_in_summer_is_the_next_day_in_england() -> None:
    # 23:30 UTC on Thursday 2 July 2026 is 00:30 on Friday 3 July in England: due Monday 00:30.
    due = due_at(datetime(2026, 7, 2, 23, 30, tzinfo=UTC), CAL)
    assert due.astimezone(LONDON) == _london(2026, 7, 6, 0, 30)


def test_closure_days_are_skipped_as_well() -> None:
    closed = WorkingCalendar([date(2026, 12, 29), date(2026, 12, 30)])
    assert due_at(_london(2026, 12, 24, 15, 0).astimezone(UTC), closed) == _london(2026, 12, 31, 15, 0)


def test_the_due_time_is_stored_in_utc() -> None:
    assert due_at(datetime(2026, 11, 24, 9, 30, tzinfo=UTC), CAL).tzinfo == UTC
