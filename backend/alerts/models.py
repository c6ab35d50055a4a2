"""Tables for safeguarding alerts, their state history and every notification attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, UTCDateTime
from backend.timeutil import utcnow

# Alert states. "new" and "escalated" are open: the escalation loop watches them.
NEW = "new"
ESCALATED = "escalated"
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"
OPEN_STATES = (NEW, ESCALATED)


class Alert(Base):
    """A possible risk to a child. Keeps the conversation and home even for anonymous children."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next_escalation", "status", "next_escalation_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Chosen by the action server's outbox: a retried POST never makes a second alert.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    home_code: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(16))
    matched: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text)
    # [{"speaker": "child"|"bot"|"staff", "text": str, "time": iso str|None}]
    preceding_turns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(16), default=NEW)
    # How far down the escalation list it has gone (0: only the first notification).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # When the loop escalates next; NULL once acknowledged or when the list is used up.
    next_escalation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(64))
    # Who is talking with the child now (NULL: the bot is): the account, and the display name the child sees.
    handoff_by_id: Mapped[int | None] = mapped_column(Integer)
    handoff_by_name: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Idempotency key of the concern this alert grew from; kept even if the concern arrives later.
    concern_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # When the retention job deleted the child's words (message and turns); the record itself stays.
    transcript_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertEvent(Base):
    """One state change of an alert, in order: the alert's own history (also in the audit log)."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # created, notified, notify_failed, escalated, acknowledged, handoff_started, handoff_ended, closed, ...
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="system")
    detail: Mapped[str | None] = mapped_column(Text)


# Notification states.
PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class AlertNotification(Base):
    """One message to send (email to one address, or one webhook POST): a durable outbox row.

    Written in the same transaction as the alert or escalation it announces, so a
    restart in between loses nothing: pending rows are picked up again on start.
    """

    __tablename__ = "alert_notifications"
    __table_args__ = (Index("ix_alert_notifications_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(String(500))
    # "created" or "escalated:<level>"
    reason: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationAttempt(Base):
    """Every try to deliver a notification, successful or not, with the reason it failed."""

    __tablename__ = "alert_notification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("alert_notifications.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(String(500))
