"""Staff turn a concern into a full safeguarding alert, through the same path as the action server's alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.schemas import AlertCreate, Severity, Source, Turn
from backend.alerts.settings import SafeguardingSettings
from backend.alerts.store import create_alert
from backend.concerns.models import Concern
from backend.models import StaffUser


def alert_key(concern: Concern) -> str:
    # One key per concern: a double click, or two people at once, still make one alert.
    return f"concern-{concern.id}-alert"


def alert_from(concern: Concern) -> AlertCreate:
    """The concern's words, turns and category as a high-severity alert that names the concern."""
    return AlertCreate(
        idempotency_key=alert_key(concern),
        conversation_id=concern.conversation_id,
        home=concern.home_code,
        category=concern.category,
        severity=Severity.high,
        matched=list(concern.matched),
        message=concern.message,
        preceding_turns=[Turn.model_validate(t) for t in concern.preceding_turns],
        detected_at=concern.detected_at,
        source=Source.concern,
        concern_key=concern.idempotency_key,
    )


async def turn_into_alert(
    session: AsyncSession, concern: Concern, user: StaffUser, settings: SafeguardingSettings, now: datetime
) -> tuple[Alert, bool, list[int]]:
    """Returns (alert, created, notification ids); the concern is linked in the alert's transaction."""
    return await create_alert(session, alert_from(concern), settings, now, actor=user)
