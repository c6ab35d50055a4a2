"""Tables for the statutory workflow: one case per submission, its timeline, advocacy requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models import Base, Submission, UTCDateTime
from backend.timeutil import utcnow


class Case(Base):
    """Where a submission is in its process. Every submission has exactly one."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    # The current step's deadline: anchor date + limit working days (NULL when nothing is due).
    step_anchor_on: Mapped[date | None] = mapped_column(Date)
    step_limit_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    stage1_extended: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(32))
    remedies: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    learning: Mapped[str | None] = mapped_column(Text)
    # Complaints about a staff member's conduct need a safeguarding/LADO consideration.
    staff_conduct: Mapped[bool] = mapped_column(Boolean, default=False)
    lado_decision: Mapped[str | None] = mapped_column(Text)
    # Feedback Log (compliments and comments).
    shared_with: Mapped[str | None] = mapped_column(Text)
    shared_how: Mapped[str | None] = mapped_column(Text)
    change_in_practice: Mapped[str | None] = mapped_column(Text)
    passed_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ombudsman_signposted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    submission: Mapped[Submission] = relationship(lazy="joined", innerjoin=True)


class CaseEvent(Base):
    """One line of a case's timeline: who did what, when, and the text sent to the child."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    # The date the step happened (may be earlier than `at` when recorded afterwards).
    on: Mapped[date] = mapped_column(Date)
    text_sent: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_on: Mapped[date | None] = mapped_column(Date)


class AdvocacyRequest(Base):
    """A child asked for an advocate (with or without a complaint)."""

    __tablename__ = "advocacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    home_code: Mapped[str] = mapped_column(String(64), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    # NULL when anonymous, like submissions.
    first_name: Mapped[str | None] = mapped_column(String(40))
    conversation_id: Mapped[str | None] = mapped_column(String(128))
    consent_to_share: Mapped[bool] = mapped_column(Boolean)
    provider_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="new")
