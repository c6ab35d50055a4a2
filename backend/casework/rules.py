"""Applying a step from the table (steps.py) to a case in memory: pure, no database, no clock.

`apply()` checks the step is allowed, runs its handler, moves the state, starts or stops its
clock, and returns what the timeline should store; the caller (service.py) persists it with
the audit entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.casework.models import Case
from backend.casework.steps import STEPS, STOP, Clock, Step, StepContext, StepInput, WorkflowError
from backend.casework.vocab import STATE_LABELS
from backend.deadlines import WorkingCalendar

__all__ = ["StepInput", "StepResult", "WorkflowError", "apply", "available_actions", "initial_step"]


@dataclass
class StepResult:
    """What `apply` did, for the timeline."""

    action: str
    from_state: str
    to_state: str
    on: date
    text_sent: str | None
    note: str | None
    details: dict[str, Any]
    due_on: date | None
    closes: bool = False
    passed_on: bool = False
    ombudsman: bool = False
    # A finding to keep for this stage ("stage1" ...), and a kind change (comment -> complaint).
    outcome_stage: str | None = None
    new_kind: str | None = None
    # Working days from the stage's start to this response (the report's timescale bands).
    working_days: int | None = None


def initial_step(kind: str) -> tuple[str, int | None]:
    """(state, working-day limit from the day received) for a new record, from the "receive" step."""
    clock = STEPS["receive"].clock_for(kind)
    return "received", clock.days if isinstance(clock, Clock) else None


def available_actions(kind: str, case: Case) -> list[str]:
    return [name for name, step in STEPS.items() if step.applies_to(case, kind)]


def set_clock(case: Case, calendar: WorkingCalendar, anchor: date | None, limit: int | None) -> None:
    case.step_anchor_on = anchor
    case.step_limit_days = limit
    case.due_on = calendar.add_working_days(anchor, limit) if anchor is not None and limit is not None else None


def _start_clock(step: Step, kind: str, case: Case, data: StepInput, calendar: WorkingCalendar) -> None:
    clock = step.clock_for(kind)
    if clock == STOP:
        # The response date stays as the anchor: the child's window to ask for the next stage runs from it.
        set_clock(case, calendar, data.on, None)
    elif isinstance(clock, Clock):
        anchor = {"received": case.received_on, "on": data.on}.get(clock.anchor, case.step_anchor_on)
        limit = data.limit_days if clock.max_days is not None and data.limit_days else clock.days
        set_clock(case, calendar, anchor, limit)


def apply(case: Case, kind: str, action: str, data: StepInput, calendar: WorkingCalendar, today: date) -> StepResult:
    step = STEPS.get(action)
    if step is None or kind not in step.kinds or not step.states:
        raise WorkflowError(f"{action!r} is not a step for a {kind}")
    if not step.applies_to(case, kind):
        raise WorkflowError(f"{step.label} is not possible while the case is {STATE_LABELS[case.state].lower()}")
    if data.on > today:
        raise WorkflowError("the date cannot be in the future")
    if data.on < case.received_on:
        raise WorkflowError("the date cannot be before the case was received")

    before, stage_anchor = case.state, case.step_anchor_on
    ctx = StepContext(
        case, kind, data, calendar, details={}, text_sent=data.text_sent.strip() or None, note=data.note.strip() or None
    )
    if step.handler is not None:
        step.handler(ctx)
    if step.to_state is not None:
        case.state = step.to_state
    if step.child is not None:
        case.last_step = step.name
    _start_clock(step, kind, case, data, calendar)
    working_days = None
    if ctx.outcome_stage is not None:
        # Stage 1 and informal resolution run from receipt; Stages 2 and 3 from their own start.
        start = case.received_on if ctx.outcome_stage in {"stage1", "informal"} else stage_anchor
        working_days = calendar.working_days_between(start, data.on) if start is not None else None
    return StepResult(
        action=action,
        from_state=before,
        to_state=case.state,
        on=data.on,
        text_sent=ctx.text_sent,
        note=ctx.note,
        details=ctx.details,
        due_on=case.due_on,
        closes=step.closes,
        passed_on=action == "pass_on",
        ombudsman=step.ombudsman,
        outcome_stage=ctx.outcome_stage,
        new_kind=ctx.new_kind,
        working_days=working_days,
    )
