"""Deleting the child's words from closed alerts and concerns once their retention period is over.

What is deleted: the message and the preceding turns. What stays: the record, its category,
severity, home, times, who acknowledged, read, closed or escalated it, and the notes staff
wrote; a history line says when and why the words went.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts import models as alerts
from backend.alerts.store import record as record_alert
from backend.concerns import models as concerns
from backend.concerns.history import record as record_concern

KIND = "transcript_deleted"


def _detail(days: int) -> str:
    return f"the child's words deleted {days} days after closing (retention policy); the record stays"


async def purge_alert_transcripts(session: AsyncSession, cutoff: datetime, days: int, now: datetime) -> int:
    """Closed alerts closed before `cutoff`; open and acknowledged ones are never touched."""
    Alert = alerts.Alert  # noqa: N806
    due = await session.scalars(
        select(Alert).where(
            Alert.status == alerts.CLOSED, Alert.closed_at < cutoff, Alert.transcript_deleted_at.is_(None)
        )
    )
    count = 0
    for alert in due:
        alert.message = ""
        alert.preceding_turns = []
        alert.transcript_deleted_at = now
        await record_alert(session, alert, KIND, detail=_detail(days))
        count += 1
    await session.commit()
    return count


async def purge_concern_transcripts(session: AsyncSession, cutoff: datetime, days: int, now: datetime) -> int:
    """Concerns closed before `cutoff`, and concerns turned into an alert that was closed before it."""
    Concern, Alert = concerns.Concern, alerts.Alert  # noqa: N806
    closed_alert = select(Alert.id).where(Alert.status == alerts.CLOSED, Alert.closed_at < cutoff)
    due = await session.scalars(
        select(Concern).where(
            Concern.transcript_deleted_at.is_(None),
            or_(
                and_(Concern.status == concerns.CLOSED, Concern.closed_at < cutoff),
                and_(Concern.status == concerns.ESCALATED, Concern.alert_id.in_(closed_alert)),
            ),
        )
    )
    count = 0
    for concern in due:
        concern.message = ""
        concern.preceding_turns = []
        concern.transcript_deleted_at = now
        await record_concern(session, concern, KIND, detail=_detail(days))
        count += 1
    await session.commit()
    return count
