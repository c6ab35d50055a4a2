"""PostgreSQL advisory locks named by a string: one backend process at a time does the named job."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for the name (the same in every process and on every start)."""
    return int.from_bytes(hashlib.sha256(f"feedback-backend:{name}".encode()).digest()[:8], "big", signed=True)


async def hold_for_transaction(session: AsyncSession, name: str) -> None:
    """Wait for the lock; it is released when the session's transaction ends (commit, rollback, lost connection)."""
    await session.execute(select(func.pg_advisory_xact_lock(lock_key(name))))
