"""Server-side staff sessions: a random token in the cookie, its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StaffUser
from backend.staff.models import StaffSession

COOKIE_NAME = "staff_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(session: AsyncSession, user: StaffUser, now: datetime) -> tuple[str, StaffSession]:
    """Returns the cookie token (never stored) and the new row."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=_hash(token),
        staff_user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    session.add(row)
    await session.flush()
    return token, row


async def load_session(
    session: AsyncSession, token: str, now: datetime, idle: timedelta
) -> tuple[StaffSession, StaffUser] | None:
    """The live session and its user, or None. An idle session is deleted, not just ignored."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    if row is None:
        return None
    user = await session.get(StaffUser, row.staff_user_id)
    if row.last_seen_at + idle < now or user is None or not user.active:
        await session.delete(row)
        return None
    row.last_seen_at = now
    return row, user


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


async def purge_idle_sessions(session: AsyncSession, now: datetime, idle: timedelta) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.last_seen_at < now - idle))
