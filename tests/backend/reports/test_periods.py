"""Reading a report period, and the periods of the same length before it."""

from __future__ import annotations

from datetime import date

import pytest

from backend.reports.periods import Period, PeriodError, choices, parse_period, previous_periods, reporting_year


def test_a_reporting_year_and_the_two_before_it() -> None:
    year = parse_period("2011-04-01", "2012-03-31")
    assert year.label == "2011/12"
    assert [p.label for p in previous_periods(year)] == ["2010/11", "2009/10"]
    assert previous_periods(year)[0] == Period(date(2010, 4, 1), date(2011, 3, 31))


def test_a_quarter_steps_back_by_quarters_and_other_spans_by_days() -> None:
    q3 = Period(date(2011, 10, 1), date(2011, 12, 31))
    assert q3.label == "Q3 2011/12"
    assert previous_periods(q3) == [
        Period(date(2011, 7, 1), date(2011, 9, 30)),
        Period(date(2011, 4, 1), date(2011, 6, 30)),
    ]
    odd = Period(date(2011, 4, 10), date(2011, 4, 19))
    assert previous_periods(odd, 1) == [Period(date(2011, 3, 31), date(2011, 4, 9))]
    assert odd.label == "10 April 2011 to 19 April 2011"


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        ("2011-04-31", "2012-03-31", "YYYY-MM-DD"),
        ("yesterday", "2012-03-31", "YYYY-MM-DD"),
        ("", "2012-03-31", "give the from date"),
        ("2012-04-01", "2012-03-31", "before the 'from' date"),
        ("2001-01-01", "2012-03-31", "at most"),
        ("1899-01-01", "1899-12-31", "between"),
    ],
)
def test_bad_periods_say_why(start: str, end: str, reason: str) -> None:
    with pytest.raises(PeriodError, match=reason):
        parse_period(start, end)


def test_the_quick_choices_start_with_this_year() -> None:
    offered = choices(date(2026, 11, 29))
    assert offered[0] == reporting_year(date(2026, 11, 29)) == Period(date(2026, 4, 1), date(2027, 3, 31))
    assert offered[1].label == "2025/26"
    assert "Q3 2026/27" in [p.label for p in offered]
    assert "Q4 2026/27" not in [p.label for p in offered]
