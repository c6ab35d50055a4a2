"""Applying workflow steps to stored cases, with the timeline and audit entry in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.deadlines import WorkingCalendar, local_date
from backend.models import StaffUser, Submission
from backend.staff.audit import audit
from backend.workflow.models import Case, CaseEvent
from backend.workflow.rules import ACTIONS, StepInput, apply, initial_step


def working_calendar(settings: Settings) -> WorkingCalendar:
    """England's bank holidays plus the closure days configured for this service."""
    return WorkingCalendar(settings.closure_days)


def new_case(submission: Submission, calendar: WorkingCalendar) -> Case:
    """The case a new submission starts with: a complaint is "received", awaiting acknowledgement."""
    received_on = local_date(submission.received_at)
    state, limit = initial_step(submission.kind)
    return Case(
        submission=submission,
        state=state,
        received_on=received_on,
        step_anchor_on=received_on if limit is not None else None,
        step_limit_days=limit,
        due_on=calendar.add_working_days(received_on, limit) if limit is not None else None,
        stage1_extended=False,
        remedies=[],
        categories=[],
        staff_conduct=False,
        # Not the clock: for an anonymous submission that would keep the time it arrived.
        updated_at=submission.received_at,
    )


async def case_by_reference(session: AsyncSession, reference: str) -> Case | None:
    return await session.scalar(select(Case).join(Case.submission).where(Submission.reference == reference.upper()))


async def timeline(session: AsyncSession, case: Case) -> list[CaseEvent]:
    return list(await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


async def perform(
    session: AsyncSession,
    case: Case,
    action: str,
    data: StepInput,
    actor: StaffUser,
    calendar: WorkingCalendar,
    now: datetime,
) -> CaseEvent:
    """Apply `action` (raises WorkflowError with a reason staff can act on) and commit it."""
    result = apply(case, case.submission.kind, action, data, calendar, local_date(now))
    if result.closes:
        case.closed_at = now
    if result.passed_on:
        case.passed_on_at = now
    if result.ombudsman:
        case.ombudsman_signposted_at = now
    case.updated_at = now
    # The JSON API's `status` mirrors the workflow state.
    case.submission.status = result.to_state
    event = CaseEvent(
        case_id=case.id,
        at=now,
        actor_id=actor.id,
        actor_username=actor.username,
        action=action,
        from_state=result.from_state,
        to_state=result.to_state,
        on=result.on,
        text_sent=result.text_sent,
        note=result.note,
        details=result.details,
        due_on=result.due_on,
    )
    session.add(event)
    await audit(
        session,
        actor,
        action,
        "case",
        case.submission.reference,
        f"{ACTIONS[action].label}: {result.from_state} -> {result.to_state}",
        home_code=case.submission.home_code,
    )
    await session.commit()
    return event
