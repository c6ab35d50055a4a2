"""Concern records and their state changes (database only, no HTTP).

Every state change writes a ConcernEvent (the concern's own history) and an audit
entry in the same transaction, so there is never a change without its record.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.store import stored_turn
from backend.concerns.due import due_at
from backend.concerns.history import record
from backend.concerns.link import link_new_concern
from backend.concerns.models import CLOSED, NEW, OPEN_STATES, READ, Concern, ConcernEvent
from backend.concerns.schemas import ConcernCreate
from backend.db import rowcount
from backend.deadlines import WorkingCalendar
from backend.models import StaffUser
from backend.staff.names import staff_label

log = logging.getLogger(__name__)


async def create_concern(
    session: AsyncSession, data: ConcernCreate, calendar: WorkingCalendar, now: datetime
) -> tuple[Concern, bool]:
    """Store a concern due one working day from now; returns (concern, created).

    A repeated idempotency key returns the stored concern untouched. An alert that
    arrived first and names this concern links it at once.
    """
    existing = await session.scalar(select(Concern).where(Concern.idempotency_key == data.idempotency_key))
    if existing is not None:
        return existing, False
    concern = Concern(
        idempotency_key=data.idempotency_key,
        conversation_id=data.conversation_id,
        home_code=data.home,
        category=data.category,
        matched=list(data.matched),
        message=data.message,
        preceding_turns=[stored_turn(t) for t in data.preceding_turns],
        source=data.source.value,
        detected_at=data.detected_at,
        received_at=now,
        due_at=due_at(now, calendar),
        status=NEW,
    )
    session.add(concern)
    try:
        await session.flush()
    except IntegrityError:
        # Two deliveries of the same concern raced; the other one won.
        await session.rollback()
        existing = await session.scalar(select(Concern).where(Concern.idempotency_key == data.idempotency_key))
        if existing is None:
            raise
        return existing, False
    await record(session, concern, "created", detail=f"category={concern.category} source={concern.source}")
    await link_new_concern(session, concern)
    await session.commit()
    return concern, True


async def mark_read(session: AsyncSession, concern: Concern, user: StaffUser, now: datetime) -> bool:
    """The first person who may act and opens it has read it; False if someone already had."""
    result = await session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.read_at.is_(None))
        .values(
            read_at=now,
            read_by_id=user.id,
            read_by_name=staff_label(user),
            # A concern already turned into an alert keeps that status; reading it is still recorded.
            status=case((Concern.status == NEW, READ), else_=Concern.status),
        )
        .execution_options(synchronize_session="fetch")
    )
    if rowcount(result) != 1:
        return False
    await record(session, concern, "read", user, "after its working day" if now > concern.due_at else None)
    await session.commit()
    return True


async def close(session: AsyncSession, concern: Concern, user: StaffUser, now: datetime, note: str) -> bool:
    """Close an open concern with a note of what was done; closing an unread one reads it first."""
    if concern.status not in OPEN_STATES:
        return False
    if concern.read_at is None:
        await mark_read(session, concern, user, now)
    result = await session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.status.in_(OPEN_STATES))
        .values(status=CLOSED, closed_at=now, closed_by_name=staff_label(user), close_note=note)
        .execution_options(synchronize_session="fetch")
    )
    if rowcount(result) != 1:
        return False
    await record(session, concern, "closed", user, note)
    await session.commit()
    return True


async def get_concern(session: AsyncSession, concern_id: int) -> Concern | None:
    return await session.get(Concern, concern_id, populate_existing=True)


async def history(session: AsyncSession, concern_id: int) -> list[ConcernEvent]:
    return list(
        await session.scalars(
            select(ConcernEvent).where(ConcernEvent.concern_id == concern_id).order_by(ConcernEvent.id)
        )
    )
