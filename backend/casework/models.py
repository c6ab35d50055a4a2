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
    # The step that put the case where it is: what the child is told comes from it (steps.py).
    last_step: Mapped[str] = mapped_column(String(32), default="receive")
    # How it arrived and who made it (the annual report counts both). Tablet ones: the child, "tablet".
    complainant: Mapped[str] = mapped_column(String(32), default="child")
    complainant_name: Mapped[str | None] = mapped_column(String(120))
    received_via: Mapped[str] = mapped_column(String(16), default="tablet")
    # Someone acting for the child needs the child's consent (or a recorded reason it is not needed).
    consent_note: Mapped[str | None] = mapped_column(Text)
    # Every home or service the complaint is about; each is counted (seed annual report 3.1 iii).
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "statutory" (Stages 1 to 3) or "informal" (informal resolution: its own route and count).
    route: Mapped[str] = mapped_column(String(16), default="statutory")
    not_accepted_reason: Mapped[str | None] = mapped_column(String(32))
    # The newest answer written for the child in plain words (the status check shows it).
    child_response: Mapped[str | None] = mapped_column(Text)
    advocacy_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    investigating_officer: Mapped[str | None] = mapped_column(String(120))
    independent_person: Mapped[str | None] = mapped_column(String(120))
    panel_members: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Staff-conduct route: who it is about (never the handler), who handles it, LADO and Ofsted dates.
    subject_staff: Mapped[str | None] = mapped_column(String(120))
    subject_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    about_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    handler: Mapped[str | None] = mapped_column(String(120))
    lado_referred_on: Mapped[date | None] = mapped_column(Date)
    ofsted_notified_on: Mapped[date | None] = mapped_column(Date)
    ombudsman_enquiry_on: Mapped[date | None] = mapped_column(Date)
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


class CaseOutcome(Base):
    """The finding at one stage; the next stage adds a row, never overwrites this one."""

    __tablename__ = "case_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # "stage1" | "stage2" | "stage3" | "informal" | "comment"
    stage: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    remedies: Mapped[list[str]] = mapped_column(JSON, default=list)
    learning: Mapped[str | None] = mapped_column(Text)
    responded_on: Mapped[date] = mapped_column(Date)
    # Working days from the stage's start to the response (the report's timescale bands).
    working_days: Mapped[int | None] = mapped_column(Integer)
    child_response: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    # Telling the provider: "pending" (in the outbox), "delivered", "failed" (gave up), "not_configured".
    provider_notice: Mapped[str] = mapped_column(String(16), default="pending")
    provider_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_notice_attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_notice_error: Mapped[str | None] = mapped_column(Text)


class AdvocacyNotice(Base):
    """One message telling the provider about a request (an email, or a webhook POST): a durable outbox row.

    Written in the same transaction as the request, sent by backend/advocacy_notice/dispatch.py
    with the alerts' retry and claim machinery; the request's provider_notice sums them up.
    """

    __tablename__ = "advocacy_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("advocacy_requests.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(String(500))
    # "pending" | "sent" | "failed", as alert notifications (backend/alerts/models.py).
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # For an anonymous request every time here is cut to its day once the notice is settled.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
