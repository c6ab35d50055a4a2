"""Figures for the concerns page and the annual report (pure queries: a session in, numbers out).

Days are days in England; a concern belongs to the day it was received. The
reporting year runs 1 April to 31 March, as in the council's annual report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import BY_CHILD, CLOSED, NEW, Concern
from backend.concerns.scope import ConcernScope
from backend.deadlines import LONDON, local_date

DAYS_SHOWN = 14


@dataclass(frozen=True)
class Figures:
    """One period's concerns, counted by what happened to them so far."""

    start: date
    end: date  # inclusive
    raised: int
    read_in_time: int  # read by a person within its working day
    read_late: int
    not_read: int  # still waiting to be read (whether due yet or not)
    not_read_overdue: int  # ... of which past their working day
    closed: int
    by_child: int  # turned into alerts by the child's answer to the check-in
    by_staff: int  # turned into alerts by a member of staff

    @property
    def read_in_time_percent(self) -> int | None:
        """Of the concerns whose time is up or that have been read: read within a working day (rounded)."""
        measured = self.read_in_time + self.read_late + self.not_read_overdue
        if not measured:
            return None
        return (200 * self.read_in_time + measured) // (2 * measured)

    @property
    def turned_into_alerts(self) -> int:
        return self.by_child + self.by_staff


@dataclass(frozen=True)
class Panel:
    today: Figures
    days: list[Figures]  # the last DAYS_SHOWN days, today first
    this_year: Figures
    last_year: Figures


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON)


def reporting_year(day: date) -> tuple[date, date]:
    """1 April to 31 March, containing `day`."""
    first = day.year if day.month >= 4 else day.year - 1
    return date(first, 4, 1), date(first + 1, 3, 31)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def period(session: AsyncSession, scope: ConcernScope, start: date, end: date, now: datetime) -> Figures:
    """Concerns received from `start` to `end` (both included, days in England), as they stand at `now`."""
    read = Concern.read_at.is_not(None)
    linked = Concern.alert_id.is_not(None)
    row = (
        await session.execute(
            select(
                func.count(),
                _count(and_(read, Concern.read_at <= Concern.due_at)),
                _count(and_(read, Concern.read_at > Concern.due_at)),
                _count(Concern.status == NEW),
                _count(and_(Concern.status == NEW, Concern.due_at < now)),
                _count(Concern.status == CLOSED),
                _count(and_(linked, Concern.escalated_by_name == BY_CHILD)),
                _count(and_(linked, Concern.escalated_by_name != BY_CHILD)),
            ).where(
                Concern.received_at >= _start_of(start),
                Concern.received_at < _start_of(end + timedelta(days=1)),
                scope.condition(),
            )
        )
    ).one()
    return Figures(start, end, *(int(n) for n in row))


async def panel(session: AsyncSession, scope: ConcernScope, now: datetime) -> Panel:
    today = local_date(now)
    days = [await period(session, scope, d, d, now) for d in (today - timedelta(days=n) for n in range(DAYS_SHOWN))]
    this_start, this_end = reporting_year(today)
    last_start, last_end = reporting_year(this_start - timedelta(days=1))
    return Panel(
        today=days[0],
        days=days,
        this_year=await period(session, scope, this_start, this_end, now),
        last_year=await period(session, scope, last_start, last_end, now),
    )
