"""Counting wrong guesses in the database, so a restart does not reset the count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.staff.models import FailedAttempt

WINDOW = timedelta(hours=1)


async def recent_failures(session: AsyncSession, scope: str, key: str, now: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(FailedAttempt)
            .where(FailedAttempt.scope == scope, FailedAttempt.key == key, FailedAttempt.at > now - WINDOW)
        )
        or 0
    )


async def record_failure(session: AsyncSession, scope: str, key: str, now: datetime) -> None:
    session.add(FailedAttempt(scope=scope, key=key[:64], at=now))
    # Old rows are no longer needed for any decision.
    await session.execute(delete(FailedAttempt).where(FailedAttempt.at < now - 2 * WINDOW))
