"""A daily job done once per day however many backend processes wake up for it.

On PostgreSQL the job's advisory lock is held for the whole run and the day is marked done
(an audit entry) in the lock's own transaction, so the marker and the lock's release are one
commit: a second process that woke at the same moment waits for the lock, then finds the day
done and skips it. If the first process dies mid-run, its lock goes with its connection and the
waiting process runs the job instead (some of the day's emails may then go twice: better than none).
On SQLite there is one process by design: the job simply runs, as it always has.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.cluster.locks import hold_for_transaction
from backend.staff.audit import audit
from backend.staff.models import AuditEntry
from backend.timeutil import utcnow

log = logging.getLogger(__name__)

DONE = "daily_job_done"
T = TypeVar("T")


def _target(job: str, day: date) -> str:
    return f"{job} {day.isoformat()}"


async def _done(session: AsyncSession, job: str, day: date) -> bool:
    # The time bound keeps this on the audit log's index of times, however long the log grows.
    found = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.at >= utcnow() - timedelta(days=3),
            AuditEntry.action == DONE,
            AuditEntry.target_id == _target(job, day),
        )
        .limit(1)
    )
    return found is not None


async def once_a_day(
    sessionmaker: async_sessionmaker[AsyncSession], job: str, day: date, work: Callable[[], Awaitable[T]]
) -> T | None:
    """Run `work` unless another process has done `job` for `day`; its result, or None when skipped."""
    async with sessionmaker() as session:
        if session.get_bind().dialect.name != "postgresql":
            return await work()
        await hold_for_transaction(session, f"daily:{job}")
        if await _done(session, job, day):
            log.info("%s for %s: already done by another backend process", job, day)
            return None
        result = await work()
        await audit(session, None, DONE, "job", _target(job, day))
        await session.commit()
        return result
