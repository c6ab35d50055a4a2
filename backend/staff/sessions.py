"""Server-side staff sessions: a random token in the cookie, its SHA-256 in the database.

A session ends after `idle` without a request, and in any case `absolute` after login
(a stolen or forgotten session cannot be kept alive for ever, e.g. by the live alerts page).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import rowcount
from backend.models import StaffUser
from backend.staff.models import StaffSession

COOKIE_NAME = "staff_session"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


class _HasLimits(Protocol):
    # Read-only: Settings is a frozen dataclass.
    @property
    def session_idle_minutes(self) -> int: ...
    @property
    def session_absolute_hours(self) -> float: ...


def max_hours_from_env(raw: str) -> float:
    """STAFF_SESSION_MAX_HOURS: a number of hours above 0 (a mistake stops start-up with the reason)."""
    try:
        hours = float(raw)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 30:
        raise RuntimeError(f"STAFF_SESSION_MAX_HOURS must be a number of hours above 0 (got {raw!r})")
    return hours


def session_limits(settings: _HasLimits) -> SessionLimits:
    return SessionLimits(
        idle=timedelta(minutes=settings.session_idle_minutes), absolute=timedelta(hours=settings.session_absolute_hours)
    )


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


def _expired(row: StaffSession, now: datetime, limits: SessionLimits) -> bool:
    return row.last_seen_at + limits.idle < now or row.created_at + limits.absolute < now


async def load_session(
    session: AsyncSession, token: str, now: datetime, limits: SessionLimits
) -> tuple[StaffSession, StaffUser] | None:
    """The live session and its user (read afresh), or None. An expired session is deleted, not just ignored."""
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _hash(token)))
    if row is None:
        return None
    user = await session.get(StaffUser, row.staff_user_id, populate_existing=True)
    if _expired(row, now, limits) or user is None or not user.active:
        await session.delete(row)
        return None
    row.last_seen_at = now
    return row, user


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))


async def purge_idle_sessions(
    session: AsyncSession, now: datetime, idle: timedelta, absolute: timedelta | None = None
) -> int:
    """Delete sessions idle for longer than `idle` or (when given) older than `absolute`; returns how many."""
    expired = StaffSession.last_seen_at < now - idle
    if absolute is not None:
        expired = or_(expired, StaffSession.created_at < now - absolute)
    result = await session.execute(delete(StaffSession).where(expired))
    return rowcount(result) or 0
