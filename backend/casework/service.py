"""Applying steps to stored cases, with the timeline, the stage's finding and the audit entry in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import Case, CaseEvent, CaseOutcome
from backend.casework.rules import StepInput, WorkflowError, apply, initial_step
from backend.casework.steps import CHILD_NEXT_STAGE, STEPS
from backend.config import Settings
from backend.db import rowcount
from backend.deadlines import WorkingCalendar, local_date
from backend.models import StaffUser, Submission
from backend.staff.audit import audit

# Who a step is recorded as when the child asks for it from the chat (no staff member did it).
CHILD_ACTOR = "the child, by the assistant"


def working_calendar(settings: Settings) -> WorkingCalendar:
    """England's bank holidays plus the closure days configured for this service."""
    return WorkingCalendar(settings.closure_days)


def new_case(submission: Submission, calendar: WorkingCalendar) -> Case:
    """The case a new submission starts with. From the tablet: the child, by tablet, about their home."""
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
        last_step="receive",
        complainant="child",
        received_via="tablet",
        services=[submission.home_code],
        route="statutory",
        # The assistant offers every child who complains an advocate (actions/advocacy.py).
        advocacy_offered=submission.kind == "complaint",
        panel_members=[],
        about_manager=False,
        # Not the clock: for an anonymous submission that would keep the time it arrived.
        updated_at=submission.received_at,
    )


async def case_by_reference(session: AsyncSession, reference: str) -> Case | None:
    return await session.scalar(select(Case).join(Case.submission).where(Submission.reference == reference.upper()))


async def timeline(session: AsyncSession, case: Case) -> list[CaseEvent]:
    return list(await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


async def outcomes(session: AsyncSession, case: Case) -> list[CaseOutcome]:
    return list(
        await session.scalars(select(CaseOutcome).where(CaseOutcome.case_id == case.id).order_by(CaseOutcome.id))
    )


async def perform(
    session: AsyncSession,
    case: Case,
    action: str,
    data: StepInput,
    actor: StaffUser | None,
    calendar: WorkingCalendar,
    now: datetime,
) -> CaseEvent:
    """Apply `action` (raises WorkflowError with a reason staff can act on) and commit it.

    `actor` None: the child asked for it from the chat.
    """
    if actor is not None and case.subject_staff_id == actor.id:
        raise WorkflowError("this complaint is about you: someone else must handle it")
    result = apply(case, case.submission.kind, action, data, calendar, local_date(now))
    if action == "route_staff_conduct":
        case.subject_staff_id = await _staff_account_named(session, case.subject_staff or "")
    if result.new_kind is not None:
        case.submission.kind = result.new_kind
    if result.closes:
        case.closed_at = now
    elif case.state != "closed":
        case.closed_at = None
    if result.passed_on:
        case.passed_on_at = now
    if result.ombudsman:
        case.ombudsman_signposted_at = now
    case.updated_at = now
    # The JSON API's `status` mirrors the workflow state.
    case.submission.status = result.to_state
    if result.outcome_stage is not None:
        session.add(
            CaseOutcome(
                case_id=case.id,
                stage=result.outcome_stage,
                outcome=case.outcome or "",
                remedies=list(case.remedies or []) if case.outcome != "withdrawn" else [],
                learning=case.learning if case.outcome in {"upheld", "partially_upheld"} else None,
                responded_on=result.on,
                working_days=result.working_days,
                child_response=case.child_response if result.action != "withdraw" else None,
                recorded_at=now,
            )
        )
    event = CaseEvent(
        case_id=case.id,
        at=now,
        actor_id=actor.id if actor else None,
        actor_username=actor.username if actor else CHILD_ACTOR,
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
        f"{STEPS[action].label}: {result.from_state} -> {result.to_state}",
        home_code=case.submission.home_code,
    )
    await session.commit()
    return event


async def _staff_account_named(session: AsyncSession, name: str) -> int | None:
    """The login of the person a complaint is about, when staff name them by username or display name."""
    wanted = name.strip().casefold()
    for user in await session.scalars(select(StaffUser).where(StaffUser.active.is_(True))):
        if wanted in {user.username.casefold(), (user.display_name or "").casefold()}:
            return user.id
    return None


async def child_asks_next_stage(
    session: AsyncSession, case: Case, now: datetime, calendar: WorkingCalendar
) -> CaseEvent:
    """The child, with their reference and code, asks for Stage 2 (or 3) from the chat.

    Two taps at once both read the state before either writes: the state moves only if it is still
    the one read (compare-and-set), so one request is recorded and the other is refused.
    """
    action = CHILD_NEXT_STAGE.get(case.state)
    if action is None or case.submission.kind != "complaint":
        raise WorkflowError("there is no answer to take further right now")
    to_state = STEPS[action].to_state
    moved = await session.execute(
        update(Case)
        .where(Case.id == case.id, Case.state == case.state)
        .values(state=to_state)
        # `perform` changes the loaded case itself (from the state it was in), in this transaction.
        .execution_options(synchronize_session=False)
    )
    if rowcount(moved) != 1:
        await session.rollback()
        await session.refresh(case)  # the state the other tap recorded: the refusal says why from it
        raise WorkflowError("the child has already asked for the next stage")
    data = StepInput(on=local_date(now), note="Asked in the chat with their reference and code")
    return await perform(session, case, action, data, None, calendar, now)
