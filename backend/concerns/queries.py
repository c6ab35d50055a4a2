"""Reading concerns for the review queue and the daily reminder (database only, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import NEW, OPEN_STATES, Concern
from backend.concerns.scope import ConcernScope

LIMIT = 500


async def by_key(session: AsyncSession, idempotency_key: str) -> Concern | None:
    """The concern an alert names (its `concern_key`)."""
    return await session.scalar(select(Concern).where(Concern.idempotency_key == idempotency_key))


async def open_queue(session: AsyncSession, scope: ConcernScope) -> list[Concern]:
    """Waiting for a person: unread first, then read but not closed; the oldest due first in each."""
    unread_first = case((Concern.status == NEW, 0), else_=1)
    query = (
        select(Concern)
        .where(Concern.status.in_(OPEN_STATES), scope.condition())
        .order_by(unread_first, Concern.due_at, Concern.id)
        .limit(LIMIT)
    )
    return list(await session.scalars(query))


async def done(session: AsyncSession, scope: ConcernScope) -> list[Concern]:
    """Closed or turned into an alert, newest first."""
    query = (
        select(Concern)
        .where(Concern.status.not_in(OPEN_STATES), scope.condition())
        .order_by(Concern.received_at.desc(), Concern.id.desc())
        .limit(LIMIT)
    )
    return list(await session.scalars(query))


@dataclass(frozen=True)
class OpenCounts:
    open: int
    overdue: int


async def open_counts(session: AsyncSession, scope: ConcernScope, now: datetime) -> OpenCounts:
    """Open concerns, and how many of them are past their working day."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((Concern.due_at < now, 1), else_=0)), 0)).where(
                Concern.status.in_(OPEN_STATES), scope.condition()
            )
        )
    ).one()
    return OpenCounts(open=int(row[0]), overdue=int(row[1]))
