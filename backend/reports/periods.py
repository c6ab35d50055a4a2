"""Report periods: reading one from user input, the periods before it, and the usual choices.

A period is a run of days in England, both ends included. The reporting year runs
1 April to 31 March, as in the council's annual report (seed 001).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# Long enough for a five-year look back, short enough that nobody can ask for a report
# that ties up the server (the two previous periods triple the span read).
MAX_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


class PeriodError(ValueError):
    """The dates asked for make no report; the message says why (shown to staff, and by the CLI)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """ "2011/12" for a reporting year, "Q1 2011/12" for its quarters, otherwise the two dates."""
        year = _reporting_year_start(self.start)
        if self == reporting_year(self.start):
            return f"{year}/{(year + 1) % 100:02d}"
        for n, quarter in enumerate(quarters(year), start=1):
            if self == quarter:
                return f"Q{n} {year}/{(year + 1) % 100:02d}"
        return f"{format_day(self.start)} to {format_day(self.end)}"

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        first = self.start.replace(day=1)
        found = []
        while first <= self.end:
            found.append(first)
            first = _add_months(first, 1)
        return found


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _reporting_year_start(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def reporting_year(day: date) -> Period:
    """1 April to 31 March, containing `day`."""
    first = _reporting_year_start(day)
    return Period(date(first, 4, 1), date(first + 1, 3, 31))


def quarters(year: int) -> list[Period]:
    """The four quarters of the reporting year that starts on 1 April `year`."""
    starts = [date(year, 4, 1), date(year, 7, 1), date(year, 10, 1), date(year + 1, 1, 1)]
    return [Period(s, _add_months(s, 3) - timedelta(days=1)) for s in starts]


def _add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (only used with day 1)."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def _whole_months(period: Period) -> int | None:
    """How many whole calendar months the period is, or None if it does not start and end on a month's edge."""
    if period.start.day != 1 or (period.end + timedelta(days=1)).day != 1:
        return None
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def previous_periods(period: Period, count: int = 2) -> list[Period]:
    """The `count` periods of the same length just before `period`, newest first.

    Whole months step back by months (a year before 2012/13 is 2011/12, leap day or not);
    anything else steps back by its number of days.
    """
    months = _whole_months(period)
    found = []
    current = period
    for _ in range(count):
        if months is not None:
            start = _add_months(current.start, -months)
            current = Period(start, current.start - timedelta(days=1))
        else:
            current = Period(current.start - timedelta(days=period.days), current.start - timedelta(days=1))
        found.append(current)
    return found


def _parse_day(text: str | None, name: str) -> date:
    if text is None or not text.strip():
        raise PeriodError(f"give the {name} date (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise PeriodError(f"the {name} date must be a date written YYYY-MM-DD, e.g. 2011-04-01") from exc
    if not EARLIEST <= day <= LATEST:
        raise PeriodError(f"the {name} date must be between {EARLIEST} and {LATEST}")
    return day


def parse_period(start_text: str | None, end_text: str | None) -> Period:
    """Read `from` and `to` as staff or the CLI give them; PeriodError says what is wrong."""
    start, end = _parse_day(start_text, "from"), _parse_day(end_text, "to")
    if end < start:
        raise PeriodError("the 'to' date is before the 'from' date")
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise PeriodError(f"a report covers at most {MAX_DAYS} days (five years)")
    return period


def choices(today: date) -> list[Period]:
    """What the report page offers with one click: this and last reporting year, and their quarters so far."""
    this_year = reporting_year(today)
    last_year = reporting_year(this_year.start - timedelta(days=1))
    recent = [q for q in quarters(this_year.start.year) if q.start <= today]
    return [this_year, last_year, *reversed(recent), *reversed(quarters(last_year.start.year))]
