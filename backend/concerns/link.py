"""Linking a concern and the alert it grew into, whichever of the two arrives first.

Both come through the action server's outbox in order, so the concern is normally
here first; if not, the alert keeps the concern's key and the concern is linked the
moment it arrives. Always inside the caller's transaction, never committed here.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.concerns.history import record
from backend.concerns.models import BY_CHILD, ESCALATED, Concern
from backend.db import rowcount
from backend.models import StaffUser
from backend.staff.names import staff_label

log = logging.getLogger(__name__)


async def link(session: AsyncSession, concern: Concern, alert: Alert, by: StaffUser | None) -> bool:
    """Show the concern as turned into this alert; `by` None means the child's answer did it.

    False when the concern already names an alert: the first one stays, the other is noted in its history.
    """
    if concern.alert_id is not None:
        if concern.alert_id != alert.id:
            await record(session, concern, "named_by_alert", detail=f"alert #{alert.id} also names this concern")
        return False
    # Conditional update: two alerts naming the same concern at once link it only once.
    result = await session.execute(
        update(Concern)
        .where(Concern.id == concern.id, Concern.alert_id.is_(None))
        .values(
            status=ESCALATED,
            alert_id=alert.id,
            escalated_at=alert.received_at,
            escalated_by_name=staff_label(by) if by else BY_CHILD,
        )
        .execution_options(synchronize_session="fetch")
    )
    if rowcount(result) != 1:
        return False
    how = "turned into an alert by staff" if by else "the child answered the check-in"
    await record(
        session, concern, "turned_into_alert", by, f"alert #{alert.id}: {how}", actor_name=None if by else BY_CHILD
    )
    return True


async def link_new_alert(session: AsyncSession, alert: Alert, concern_key: str, by: StaffUser | None) -> None:
    """A new alert names a concern: link it now if the concern is here (else when it arrives)."""
    concern = await session.scalar(select(Concern).where(Concern.idempotency_key == concern_key))
    if concern is None:
        log.info("alert %s names a concern that has not arrived yet; it is linked when it does", alert.id)
        return
    if concern.conversation_id != alert.conversation_id:
        # A key from another child's conversation is a bug somewhere: never join two children's records.
        log.error("alert %s names concern %s from another conversation; not linked", alert.id, concern.id)
        return
    await link(session, concern, alert, by)


async def link_new_concern(session: AsyncSession, concern: Concern) -> None:
    """A new concern: an alert that arrived before it may already name it."""
    alert = await session.scalar(
        select(Alert)
        .where(Alert.concern_key == concern.idempotency_key, Alert.conversation_id == concern.conversation_id)
        .order_by(Alert.id)
        .limit(1)
    )
    if alert is not None:
        await link(session, concern, alert, None)
