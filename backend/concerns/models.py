"""Tables for safeguarding concerns (the tier below an alert) and their own history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, UTCDateTime
from backend.timeutil import utcnow

# Concern states: new -> read -> closed, or escalated once turned into an alert.
NEW = "new"
READ = "read"
CLOSED = "closed"
ESCALATED = "escalated"
# Waiting for a person: read and closed with a note within one working day.
OPEN_STATES = (NEW, READ)
# escalated_by_name when the child's answer to the check-in raised the alert (not a member of staff).
BY_CHILD = "the child"
# A concern whose category this is (an allegation against staff) is never shown to the manager role.
STAFF_CONDUCT = "staff_conduct"


class Concern(Base):
    """Something the detector was unsure about: the bot checked in with the child, a person reviews it."""

    __tablename__ = "safeguarding_concerns"
    __table_args__ = (Index("ix_safeguarding_concerns_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Chosen by the action server's outbox: a retried POST never makes a second concern.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    home_code: Mapped[str] = mapped_column(String(64), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    matched: Mapped[list[str]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text)
    # Same shape as an alert's: [{"speaker": "child"|"bot"|"staff", "text": str, "time": iso str|None}]
    preceding_turns: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # "detector" (one message) or "context" (several messages together)
    source: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # One working day after received_at, same clock time in England.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=NEW)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    read_by_name: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_name: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(Text)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_by_name: Mapped[str | None] = mapped_column(String(64))
    # The unread-concern reminder is sent at most once per 24 hours per concern.
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the retention job deleted the child's words (message and turns); the record itself stays.
    transcript_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConcernEvent(Base):
    """One step in a concern's life, in order (append-only; also in the audit log)."""

    __tablename__ = "safeguarding_concern_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_concerns.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # created, read, reminder_sent, reminder_failed, turned_into_alert, named_by_alert, closed
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="system")
    detail: Mapped[str | None] = mapped_column(Text)
