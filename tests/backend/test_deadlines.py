"""Working-day arithmetic against England's real bank holidays (dates checked by hand on a calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.deadlines import WorkingCalendar, is_bank_holiday, local_date

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29)],
)
def test_england_bank_holidays_come_from_the_holidays_package(day: date) -> None:
    # 2026-12-28 is the substitute for Boxing Day (a Saturday); 2027-03-26/29 are Good Friday/Easter Monday.
    assert is_bank_holiday(day)
    assert not CAL.is_working_day(day)


def test_weekends_and_ordinary_days() -> None:
    assert not CAL.is_working_day(date(2026, 11, 28))  # Saturday
    assert CAL.is_working_day(date(2026, 11, 30))  # Monday
    assert not is_bank_holiday(date(2026, 12, 24))  # Christmas Eve is a working day in England


def test_three_days_from_23_december_skip_christmas_and_the_boxing_day_substitute() -> None:
    # 24 (1), 25 holiday, 26-27 weekend, 28 substitute holiday, 29 (2), 30 (3)
    assert CAL.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)


def test_ten_and_twenty_days_from_23_december_cross_new_year() -> None:
    assert CAL.add_working_days(date(2026, 12, 23), 10) == date(2027, 1, 11)
    assert CAL.add_working_days(date(2026, 12, 23), 20) == date(2027, 1, 25)


def test_easter_2027_is_skipped() -> None:
    # Received Thursday 25 March: Good Friday 26, weekend, Easter Monday 29 all skipped.
    assert CAL.add_working_days(date(2027, 3, 25), 3) == date(2027, 4, 1)
    assert CAL.add_working_days(date(2027, 3, 25), 10) == date(2027, 4, 12)
    assert CAL.add_working_days(date(2027, 3, 24), 25) == date(2027, 4, 30)


def test_closure_days_also_stop_the_clock() -> None:
    closed = WorkingCalendar([date(2026, 12, 24), date(2026, 12, 31)])
    # 24 closed, 29 (1), 30 (2), 31 closed, 1 Jan holiday, 4 Jan (3)
    assert closed.add_working_days(date(2026, 12, 23), 3) == date(2027, 1, 4)


def test_a_weekend_arrival_counts_from_monday() -> None:
    assert CAL.add_working_days(date(2026, 11, 28), 3) == date(2026, 12, 2)
    assert CAL.add_working_days(date(2026, 11, 28), 0) == date(2026, 11, 28)


def test_working_days_between_counts_only_working_days() -> None:
    assert CAL.working_days_between(date(2026, 12, 23), date(2026, 12, 30)) == 3
    assert CAL.working_days_between(date(2026, 12, 30), date(2026, 12, 23)) == -3
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 24)) == 0


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 12, 23), -1)


def test_arrival_late_in_the_evening_is_dated_in_english_time() -> None:
    # 23:30 UTC in summer is 00:30 the next day in London.
    assert local_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 31)
