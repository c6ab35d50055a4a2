"""The figures panel's numbers, from known concerns at known times (read in time or late, across a weekend)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.schemas import AlertCreate
from backend.alerts.settings import SafeguardingSettings
from backend.alerts.store import create_alert
from backend.concerns.escalate import turn_into_alert
from backend.concerns.figures import Figures, panel, period, reporting_year
from backend.concerns.models import Concern
from backend.concerns.scope import EVERYTHING, ConcernScope
from backend.concerns.store import close, mark_read
from backend.config import Settings
from tests.backend.alerts_support import alert_body
from tests.backend.concerns.support import stored_at

MakeStaff = Callable[..., Awaitable[Any]]
# Tuesday 8 December 2026, noon (GMT: UK time is UTC).
NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
MANAGER_OF_HOME_1 = ConcernScope(homes=frozenset({"home-1"}), hide_staff_conduct=True)


def _at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _numbers(f: Figures) -> tuple[int, ...]:
    return (
        f.raised,
        f.read_in_time,
        f.read_late,
        f.not_read,
        f.not_read_overdue,
        f.closed,
        f.by_child,
        f.by_staff,
    )


class Staff:
    """Acts on stored concerns at chosen moments, through the same store functions as the pages."""

    def __init__(self, db: async_sessionmaker, user: Any) -> None:
        self.db, self.user = db, user

    async def read(self, concern: Concern, at: datetime) -> None:
        async with self.db() as session:
            assert await mark_read(session, await session.get(Concern, concern.id), self.user, at)

    async def close(self, concern: Concern, at: datetime) -> None:
        async with self.db() as session:
            assert await close(session, await session.get(Concern, concern.id), self.user, at, "done")

    async def to_alert(self, concern: Concern, at: datetime) -> None:
        async with self.db() as session:
            await turn_into_alert(
                session, await session.get(Concern, concern.id), self.user, SafeguardingSettings(), at
            )


async def _child_says_yes(db: async_sessionmaker, concern: Concern, at: datetime) -> None:
    data = AlertCreate.model_validate(alert_body("yes-" + concern.idempotency_key, concern_key=concern.idempotency_key))
    async with db() as session:
        await create_alert(session, data, SafeguardingSettings(), at)


@pytest.fixture
async def known(settings: Settings, db: async_sessionmaker, make_staff: MakeStaff) -> None:
    staff = Staff(db, await make_staff("lead", "safeguarding_lead"))
    # Friday 16:00, due Monday 16:00: read Monday 15:00 (in time), closed.
    c1 = await stored_at(db, settings, _at(12, 4, 16), "c1-friday-16")
    await staff.read(c1, _at(12, 7, 15))
    await staff.close(c1, _at(12, 7, 15, 30))
    # Friday 17:00, due Monday 17:00: read Monday 17:30 (late), still open.
    c2 = await stored_at(db, settings, _at(12, 4, 17), "c2-friday-17")
    await staff.read(c2, _at(12, 7, 17, 30))
    # Saturday 10:00, due Monday 10:00: nobody has read it (overdue).
    await stored_at(db, settings, _at(12, 5, 10), "c3-saturday")
    # Today 09:00, due tomorrow 09:00: not read yet, not overdue.
    await stored_at(db, settings, _at(12, 8, 9), "c4-today-09")
    # Today 10:00: the child answered the check-in: an alert at once, nobody read the concern.
    c5 = await stored_at(db, settings, _at(12, 8, 10), "c5-today-10")
    await _child_says_yes(db, c5, _at(12, 8, 10, 1))
    # Monday 11:00: read at noon, then turned into an alert by staff.
    c6 = await stored_at(db, settings, _at(12, 7, 11), "c6-monday-11")
    await staff.read(c6, _at(12, 7, 12))
    await staff.to_alert(c6, _at(12, 7, 12, 5))
    # Monday 09:00, about staff: unread, overdue since this morning 09:00.
    await stored_at(
        db, settings, _at(12, 7, 9), "c7-staff-conduct", category="staff_conduct", conversation_id="conv-about-staff"
    )
    # Last reporting year: 10 March 2026, read the next morning, closed.
    c8 = await stored_at(db, settings, _at(3, 10, 9), "c8-last-year")
    await staff.read(c8, _at(3, 11, 8))
    await staff.close(c8, _at(3, 11, 8, 30))
    # Another home, Thursday 3 December: read and closed the same day.
    c9 = await stored_at(db, settings, _at(12, 3, 14), "c9-home-2", home="home-2")
    await staff.read(c9, _at(12, 3, 15))
    await staff.close(c9, _at(12, 3, 15, 5))


@pytest.mark.usefixtures("known")
async def test_every_figure_for_today_and_the_two_reporting_years(db: async_sessionmaker) -> None:
    async with db() as session:
        figures = await panel(session, EVERYTHING, NOW)
    #                                raised in_time late not_read overdue closed child staff
    assert _numbers(figures.today) == (2, 0, 0, 1, 0, 0, 1, 0)
    assert figures.today.read_in_time_percent is None  # nothing read or due yet
    assert (figures.this_year.start, figures.this_year.end) == (date(2026, 4, 1), date(2027, 3, 31))
    assert _numbers(figures.this_year) == (8, 3, 1, 3, 2, 2, 1, 1)
    # 3 read in time, out of 3 + 1 read late + 2 unread past their working day.
    assert figures.this_year.read_in_time_percent == 50
    assert figures.this_year.turned_into_alerts == 2
    assert (figures.last_year.start, figures.last_year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert _numbers(figures.last_year) == (1, 1, 0, 0, 0, 1, 0, 0)
    assert figures.last_year.read_in_time_percent == 100


@pytest.mark.usefixtures("known")
async def test_the_last_fourteen_days_day_by_day(db: async_sessionmaker) -> None:
    async with db() as session:
        figures = await panel(session, EVERYTHING, NOW)
    assert len(figures.days) == 14
    assert [d.start for d in figures.days[:6]] == [date(2026, 12, n) for n in (8, 7, 6, 5, 4, 3)]
    assert figures.days[-1].start == date(2026, 11, 25)
    by_day = {d.start.day: _numbers(d) for d in figures.days[:6]}
    assert by_day == {
        8: (2, 0, 0, 1, 0, 0, 1, 0),
        7: (2, 1, 0, 1, 1, 0, 0, 1),
        6: (0, 0, 0, 0, 0, 0, 0, 0),
        5: (1, 0, 0, 1, 1, 0, 0, 0),
        4: (2, 1, 1, 0, 0, 1, 0, 0),
        3: (1, 1, 0, 0, 0, 1, 0, 0),
    }
    assert sum(d.raised for d in figures.days[6:]) == 0


@pytest.mark.usefixtures("known")
async def test_a_managers_figures_leave_out_other_homes_and_staff_conduct(db: async_sessionmaker) -> None:
    async with db() as session:
        figures = await panel(session, MANAGER_OF_HOME_1, NOW)
    assert _numbers(figures.this_year) == (6, 2, 1, 2, 1, 1, 1, 1)
    assert _numbers(figures.days[1]) == (1, 1, 0, 0, 0, 0, 0, 1)  # Monday without the staff-conduct one


async def test_read_across_a_weekend_is_in_time_until_the_same_time_on_monday(
    settings: Settings, db: async_sessionmaker, make_staff: MakeStaff
) -> None:
    staff = Staff(db, await make_staff("lead", "safeguarding_lead"))
    in_time = await stored_at(db, settings, _at(11, 27, 17), "friday-in-time")
    late = await stored_at(db, settings, _at(11, 27, 17), "friday-late-1")
    await staff.read(in_time, _at(11, 30, 16, 59))
    await staff.read(late, _at(11, 30, 17, 1))
    async with db() as session:
        friday = await period(session, EVERYTHING, date(2026, 11, 27), date(2026, 11, 27), NOW)
    assert (friday.raised, friday.read_in_time, friday.read_late, friday.read_in_time_percent) == (2, 1, 1, 50)


async def test_a_concern_counts_on_its_day_in_england(settings: Settings, db: async_sessionmaker) -> None:
    # 23:30 UTC on 1 July is 00:30 on 2 July in England.
    await stored_at(db, settings, datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "summer-night")
    async with db() as session:
        first = await period(session, EVERYTHING, date(2026, 7, 1), date(2026, 7, 1), NOW)
        second = await period(session, EVERYTHING, date(2026, 7, 2), date(2026, 7, 2), NOW)
    assert (first.raised, second.raised) == (0, 1)


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 4, 1), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2027, 3, 31), (date(2026, 4, 1), date(2027, 3, 31))),
        (date(2026, 3, 31), (date(2025, 4, 1), date(2026, 3, 31))),
    ],
)
def test_the_reporting_year_runs_from_april_to_march(day: date, year: tuple[date, date]) -> None:
    assert reporting_year(day) == year
