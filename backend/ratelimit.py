"""Counting wrong guesses in the database, so a restart does not reset the count."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import rowcount
from backend.staff.models import FailedAttempt

WINDOW = timedelta(hours=1)
# No decision looks further back than this; older rows are deleted (here and by the retention job).
KEEP = 2 * WINDOW


def window_words(window: timedelta = WINDOW) -> tuple[str, str]:
    """The window as messages say it, so they follow WINDOW: ("hour", "an hour"), ("2 hours", "2 hours")."""
    minutes = round(window.total_seconds() / 60)
    count, unit = (minutes // 60, "hour") if minutes % 60 == 0 else (minutes, "minute")
    if count == 1:
        return unit, f"{'an' if unit == 'hour' else 'a'} {unit}"
    return f"{count} {unit}s", f"{count} {unit}s"


async def recent_failures(
    session: AsyncSession, scope: str, key: str, now: datetime, window: timedelta = WINDOW
) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(FailedAttempt)
            .where(FailedAttempt.scope == scope, FailedAttempt.key == key[:64], FailedAttempt.at > now - window)
        )
        or 0
    )


async def failure_times(
    session: AsyncSession,
    scope: str,
    key: str,
    now: datetime,
    window: timedelta = WINDOW,
    exclude: Collection[int] = (),
) -> list[datetime]:
    """When each failure in the window happened, oldest first (to say how long to wait)."""
    query = select(FailedAttempt.at).where(
        FailedAttempt.scope == scope, FailedAttempt.key == key[:64], FailedAttempt.at > now - window
    )
    if exclude:
        query = query.where(FailedAttempt.id.not_in(exclude))
    return list(await session.scalars(query.order_by(FailedAttempt.at)))


async def record_failure(session: AsyncSession, scope: str, key: str, now: datetime) -> int:
    """Count one failure; returns its row id (a guess counted before it is checked can be taken back)."""
    row = FailedAttempt(scope=scope, key=key[:64], at=now)
    session.add(row)
    # Old rows are no longer needed for any decision.
    await purge_failures(session, now)
    await session.flush()
    return row.id


async def forget_failures(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(delete(FailedAttempt).where(FailedAttempt.id.in_(ids)))


async def purge_failures(session: AsyncSession, now: datetime, keep: timedelta = KEEP) -> int:
    result = await session.execute(delete(FailedAttempt).where(FailedAttempt.at < now - keep))
    return rowcount(result) or 0
