"""Alert records and their state changes (database only, no HTTP).

Every state change writes an AlertEvent (the alert's own history) and an audit
entry in the same transaction, so there is never a change without its record.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import (
    ACKNOWLEDGED,
    CLOSED,
    ESCALATED,
    NEW,
    OPEN_STATES,
    Alert,
    AlertEvent,
    AlertNotification,
)
from backend.alerts.routing import route
from backend.alerts.schemas import AlertCreate, AlertSummary, Turn
from backend.alerts.settings import Contact, SafeguardingSettings
from backend.concerns.link import link_new_alert
from backend.db import rowcount
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.conduct import alert_condition, is_about_staff
from backend.staff.names import display_name, staff_label
from backend.staff.roles import Scope

log = logging.getLogger(__name__)


async def record(
    session: AsyncSession, alert: Alert, kind: str, actor: StaffUser | None = None, detail: str | None = None
) -> None:
    """One history line on the alert and one audit entry, in the caller's transaction."""
    session.add(
        AlertEvent(
            alert_id=alert.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            actor_name=staff_label(actor) if actor else "system",
            detail=detail,
        )
    )
    await audit(session, actor, f"alert.{kind}", "alert", alert.id, detail, home_code=alert.home_code)


def stored_turn(turn: Turn) -> dict[str, Any]:
    """Stored as JSON with times in UTC, so every page shows them the same way (alerts and concerns)."""
    return {
        "speaker": turn.speaker.value,
        "text": turn.text,
        "time": turn.time.astimezone(UTC).isoformat() if turn.time else None,
    }


def _queue(
    alert: Alert, reason: str, contact: Contact | None, emails: Sequence[str], webhooks: Sequence[str]
) -> list[AlertNotification]:
    rows = [
        AlertNotification(
            alert_id=alert.id, channel="email", target=e, reason=reason, contact_name=contact and contact.label
        )
        for e in emails
    ]
    rows += [
        AlertNotification(
            alert_id=alert.id, channel="webhook", target=w, reason=reason, contact_name=contact and contact.label
        )
        for w in webhooks
    ]
    return rows


async def create_alert(
    session: AsyncSession,
    data: AlertCreate,
    settings: SafeguardingSettings,
    now: datetime,
    actor: StaffUser | None = None,
) -> tuple[Alert, bool, list[int]]:
    """Store an alert and queue its first notifications; returns (alert, created, notification ids).

    A repeated idempotency key returns the stored alert untouched: no second alert, no second notification.
    `actor` is the member of staff who raised it (a concern turned into an alert); None: the action server.
    The concern it names, if any, is shown as turned into this alert in the same transaction.
    """
    existing = await session.scalar(select(Alert).where(Alert.idempotency_key == data.idempotency_key))
    if existing is not None:
        return existing, False, []
    about_staff = await is_about_staff(session, data.category, data.conversation_id)
    routed = await route(session, settings, data.home, about_staff)
    has_ladder = bool(routed.ladder)
    alert = Alert(
        idempotency_key=data.idempotency_key,
        conversation_id=data.conversation_id,
        home_code=data.home,
        category=data.category,
        severity=data.severity.value if data.severity else None,
        matched=list(data.matched),
        message=data.message,
        preceding_turns=[stored_turn(t) for t in data.preceding_turns],
        source=data.source.value,
        detected_at=data.detected_at,
        received_at=now,
        status=NEW,
        escalation_level=0,
        next_escalation_at=now + timedelta(seconds=settings.escalate_after_seconds) if has_ladder else None,
        concern_key=data.concern_key,
    )
    session.add(alert)
    try:
        await session.flush()
    except IntegrityError:
        # Two deliveries of the same alert raced; the other one won.
        await session.rollback()
        existing = await session.scalar(select(Alert).where(Alert.idempotency_key == data.idempotency_key))
        if existing is None:
            raise
        return existing, False, []
    await record(
        session,
        alert,
        "created",
        actor,
        detail=f"category={alert.category} severity={alert.severity} source={alert.source}",
    )
    if data.concern_key:
        await link_new_alert(session, alert, data.concern_key, actor)
    rows = _queue(alert, "created", None, routed.emails, routed.webhooks)
    session.add_all(rows)
    if not rows:
        log.warning(
            "safeguarding alert %s (home %s, %s/%s): no email or webhook notifier configured%s, "
            "staff see it on /staff/alerts only",
            alert.id,
            alert.home_code,
            alert.category,
            alert.severity,
            " for allegations against staff" if about_staff else "",
        )
    if not has_ladder:
        log.warning("safeguarding alert %s: no escalation list for home %s", alert.id, alert.home_code)
    await session.flush()
    await session.commit()
    return alert, True, [r.id for r in rows]


async def escalate_due(
    session: AsyncSession, settings: SafeguardingSettings, now: datetime
) -> tuple[list[Alert], list[int]]:
    """Move every open alert whose time is up to the next contact; returns changed alerts and notification ids."""
    # In id order: two backend processes escalating at once then lock the rows in the same order (no deadlock).
    due = (
        await session.scalars(
            select(Alert)
            .where(
                Alert.status.in_(OPEN_STATES), Alert.next_escalation_at.is_not(None), Alert.next_escalation_at <= now
            )
            .order_by(Alert.id)
        )
    ).all()
    changed: list[Alert] = []
    queued: list[AlertNotification] = []
    for alert in due:
        about_staff = await is_about_staff(session, alert.category, alert.conversation_id)
        routed = await route(session, settings, alert.home_code, about_staff)
        ladder = routed.ladder
        level = alert.escalation_level
        if level >= len(ladder):
            alert.next_escalation_at = None
            continue
        contact = ladder[level]
        last = level + 1 >= len(ladder)
        # Conditional update: a racing acknowledgement (or a second process) wins cleanly.
        result = await session.execute(
            update(Alert)
            .where(Alert.id == alert.id, Alert.escalation_level == level, Alert.status.in_(OPEN_STATES))
            .values(
                status=ESCALATED,
                escalation_level=level + 1,
                next_escalation_at=None if last else now + timedelta(seconds=settings.escalate_after_seconds),
            )
            .execution_options(synchronize_session="fetch")
        )
        if rowcount(result) != 1:
            continue
        waited = now - alert.received_at
        await record(
            session,
            alert,
            "escalated",
            detail=(
                f"to {contact.label} (step {level + 1} of {len(ladder)}): not acknowledged after "
                f"{int(waited.total_seconds())} s" + (" - last contact on the list" if last else "")
            ),
        )
        webhooks = [w for w in (contact.webhook_url, *routed.webhooks) if w]
        queued += _queue(alert, f"escalated:{level + 1}", contact, [contact.email] if contact.email else [], webhooks)
        changed.append(alert)
    session.add_all(queued)
    await session.flush()
    await session.commit()
    return changed, [r.id for r in queued]


async def acknowledge(session: AsyncSession, alert: Alert, user: StaffUser, now: datetime) -> bool:
    """Record who acknowledged and when; stops escalation. False if it was not open."""
    changed = await _acknowledge(session, alert, user, now)
    if changed:
        await session.commit()
    return changed


async def _acknowledge(session: AsyncSession, alert: Alert, user: StaffUser, now: datetime) -> bool:
    """acknowledge() without the commit, so closing or joining is one transaction with it."""
    result = await session.execute(
        update(Alert)
        .where(Alert.id == alert.id, Alert.status.in_(OPEN_STATES))
        .values(
            status=ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by_id=user.id,
            acknowledged_by_name=staff_label(user),
            next_escalation_at=None,
        )
        .execution_options(synchronize_session="fetch")
    )
    if rowcount(result) != 1:
        return False
    await record(session, alert, "acknowledged", user)
    return True


async def close(session: AsyncSession, alert: Alert, user: StaffUser, now: datetime, note: str) -> bool:
    if alert.status == CLOSED:
        return False
    if alert.status in OPEN_STATES:
        await _acknowledge(session, alert, user, now)
    alert.status = CLOSED
    alert.closed_at = now
    alert.next_escalation_at = None
    await record(session, alert, "closed", user, note or None)
    await session.commit()
    return True


async def set_handoff(session: AsyncSession, alert: Alert, user: StaffUser, now: datetime, active: bool) -> None:
    """Joining the conversation also acknowledges the alert: a person is with the child."""
    if active and alert.status in OPEN_STATES:
        await _acknowledge(session, alert, user, now)
    alert.handoff_by_id = user.id if active else None
    alert.handoff_by_name = display_name(user) if active else None
    await record(session, alert, "handoff_started" if active else "handoff_ended", user)
    await session.commit()


async def live_handoff(session: AsyncSession, conversation_id: str) -> Alert | None:
    """The alert through which a person is talking with this conversation now, if any."""
    return await session.scalar(
        select(Alert).where(Alert.conversation_id == conversation_id, Alert.handoff_by_id.is_not(None)).limit(1)
    )


async def get_alert(session: AsyncSession, alert_id: int) -> Alert | None:
    return await session.get(Alert, alert_id, populate_existing=True)


async def list_alerts(session: AsyncSession, scope: Scope, *, open_only: bool = False, limit: int = 200) -> list[Alert]:
    """The alerts this scope may see (home and staff-conduct rules from backend/staff/roles.py)."""
    query = select(Alert).where(alert_condition(scope)).order_by(Alert.received_at.desc(), Alert.id.desc()).limit(limit)
    if open_only:
        query = query.where(Alert.status.in_(OPEN_STATES))
    return list(await session.scalars(query))


async def history(session: AsyncSession, alert_id: int) -> list[AlertEvent]:
    return list(
        await session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))
    )


def summary(alert: Alert) -> AlertSummary:
    return AlertSummary(
        id=alert.id,
        status=alert.status,
        category=alert.category,
        severity=alert.severity,
        home=alert.home_code,
        conversation_id=alert.conversation_id,
        message=alert.message,
        received_at=alert.received_at,
        escalation_level=alert.escalation_level,
        acknowledged_by=alert.acknowledged_by_name,
        acknowledged_at=alert.acknowledged_at,
        handoff_by=alert.handoff_by_name,
    )
