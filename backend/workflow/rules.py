"""The statutory workflow as a pure state machine.

Children Act 1989 Representations Procedure (England) Regulations 2006, as in
DESIGN.md: acknowledge within 3 working days, Stage 1 within 10 (20 with
agreement), Stage 2 within 25 of the agreed statement of complaint (up to 65),
Stage 3 panel within 30 of the request, report 5 after the panel, response 15
after the report, then signpost the Ombudsman. Comments get a Stage-1-like
response (10 working days); compliments are passed on.

`apply()` changes a Case in memory and returns the timeline event to store;
the caller (service.py) persists it with the audit entry in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from backend.deadlines import WorkingCalendar

ACK_DAYS = 3
STAGE1_DAYS = 10
STAGE1_EXTENDED_DAYS = 20
COMMENT_DAYS = 10
STAGE2_DAYS = 25
STAGE2_MAX_DAYS = 65
STAGE3_PANEL_DAYS = 30
STAGE3_REPORT_DAYS = 5
STAGE3_RESPONSE_DAYS = 15


class State(StrEnum):
    received = "received"
    stage1 = "stage1"
    stage1_responded = "stage1_responded"
    stage2_requested = "stage2_requested"
    stage2 = "stage2"
    stage2_responded = "stage2_responded"
    stage3_requested = "stage3_requested"
    stage3_panel_held = "stage3_panel_held"
    stage3_reported = "stage3_reported"
    stage3_responded = "stage3_responded"
    closed = "closed"


STATE_LABELS: dict[str, str] = {
    "received": "Awaiting acknowledgement",
    "stage1": "Stage 1: local resolution",
    "stage1_responded": "Stage 1 response sent",
    "stage2_requested": "Stage 2 requested: agree statement of complaint",
    "stage2": "Stage 2: investigation",
    "stage2_responded": "Stage 2 response sent",
    "stage3_requested": "Stage 3 requested: convene review panel",
    "stage3_panel_held": "Stage 3: panel held, report due",
    "stage3_reported": "Stage 3: report sent, response due",
    "stage3_responded": "Stage 3 response sent: signpost Ombudsman",
    "closed": "Closed",
}
FEEDBACK_STATE_LABELS = {"received": "Open", "closed": "Closed"}

# How each step reads in the timeline (past tense).
EVENT_LABELS: dict[str, str] = {
    "acknowledge": "Acknowledged",
    "extend_stage1": "Stage 1 extended to 20 working days",
    "respond_stage1": "Stage 1 response sent",
    "request_stage2": "Child asked for Stage 2",
    "agree_statement": "Statement of complaint agreed",
    "extend_stage2": "Stage 2 extended",
    "respond_stage2": "Stage 2 response sent",
    "request_stage3": "Child asked for a Stage 3 review panel",
    "panel_held": "Review panel held",
    "panel_report": "Panel report sent",
    "respond_stage3": "Stage 3 response sent",
    "signpost_ombudsman": "Ombudsman signposted; closed",
    "close": "Closed",
    "withdraw": "Withdrawn",
    "classify": "Issue categories updated",
    "record_lado": "Safeguarding/LADO consideration recorded",
    "respond_comment": "Response sent",
    "pass_on": "Compliment passed on",
    "record_feedback": "Feedback Log updated",
}

# Filter groups on the case list.
STAGES: dict[str, tuple[str, ...]] = {
    "received": ("received",),
    "stage1": ("stage1", "stage1_responded"),
    "stage2": ("stage2_requested", "stage2", "stage2_responded"),
    "stage3": ("stage3_requested", "stage3_panel_held", "stage3_reported", "stage3_responded"),
    "closed": ("closed",),
}


class Outcome(StrEnum):
    upheld = "upheld"
    partially_upheld = "partially_upheld"
    not_upheld = "not_upheld"
    withdrawn = "withdrawn"
    resolution_meeting_offered = "resolution_meeting_offered"


OUTCOME_LABELS = {
    "upheld": "Upheld",
    "partially_upheld": "Partially upheld",
    "not_upheld": "Not upheld",
    "withdrawn": "Withdrawn",
    "resolution_meeting_offered": "Resolution meeting offered",
}
REMEDIES = {
    "apology": "Apology",
    "explanation": "Explanation",
    "service_provided": "Service provided",
    "change_of_practice": "Change of practice",
    "other": "Other",
}
CATEGORIES = {
    "inadequate_service": "Inadequate service",
    "staff_attitude": "Staff attitude or conduct",
    "contact": "Contact with family and friends",
    "placement": "Placement",
    "money": "Money and allowances",
    "privacy": "Privacy",
    "food_environment": "Food or home environment",
    "education_health": "Education or health",
    "other": "Other",
}

STAFF_CATEGORY = "staff_attitude"


class WorkflowError(ValueError):
    """The action is not allowed now, or its form is incomplete. The message is shown to staff."""


class CaseLike(Protocol):
    state: str
    received_on: date
    step_anchor_on: date | None
    step_limit_days: int | None
    due_on: date | None
    stage1_extended: bool
    outcome: str | None
    remedies: list[str]
    categories: list[str]
    learning: str | None
    staff_conduct: bool
    lado_decision: str | None
    shared_with: str | None
    shared_how: str | None
    change_in_practice: str | None


@dataclass
class StepInput:
    """Everything a staff form can send; each action reads what it needs."""

    on: date
    text_sent: str = ""
    note: str = ""
    outcome: str = ""
    remedies: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    learning: str = ""
    reason: str = ""
    agreed_with: str = ""
    limit_days: int | None = None
    staff_conduct: bool = False
    shared_with: str = ""
    shared_how: str = ""
    change_in_practice: str = ""
    decision: str = ""


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


@dataclass(frozen=True)
class ActionSpec:
    label: str
    kinds: tuple[str, ...]
    from_states: tuple[str, ...]
    # Roles other than manager/complaints officer that may do this (e.g. the safeguarding lead's LADO note).
    extra_roles: tuple[str, ...] = ()


_OPEN_COMPLAINT = tuple(s for s in State if s != State.closed)

ACTIONS: dict[str, ActionSpec] = {
    "acknowledge": ActionSpec("Acknowledge", ("complaint",), ("received",)),
    "extend_stage1": ActionSpec("Extend Stage 1 to 20 working days", ("complaint",), ("stage1",)),
    "respond_stage1": ActionSpec("Record Stage 1 response", ("complaint",), ("stage1",)),
    "request_stage2": ActionSpec("Child asks for Stage 2", ("complaint",), ("stage1_responded",)),
    "agree_statement": ActionSpec("Record agreed statement of complaint", ("complaint",), ("stage2_requested",)),
    "extend_stage2": ActionSpec("Extend Stage 2", ("complaint",), ("stage2",)),
    "respond_stage2": ActionSpec("Record Stage 2 response", ("complaint",), ("stage2",)),
    "request_stage3": ActionSpec("Child asks for a Stage 3 review panel", ("complaint",), ("stage2_responded",)),
    "panel_held": ActionSpec("Record review panel held", ("complaint",), ("stage3_requested",)),
    "panel_report": ActionSpec("Record panel report sent", ("complaint",), ("stage3_panel_held",)),
    "respond_stage3": ActionSpec("Record Stage 3 response", ("complaint",), ("stage3_reported",)),
    "signpost_ombudsman": ActionSpec("Signpost the Ombudsman and close", ("complaint",), ("stage3_responded",)),
    "close": ActionSpec("Close (child satisfied)", ("complaint",), ("stage1_responded", "stage2_responded")),
    "withdraw": ActionSpec("Record withdrawal", ("complaint",), _OPEN_COMPLAINT),
    "classify": ActionSpec("Update issue categories", ("complaint",), tuple(State)),
    "record_lado": ActionSpec(
        "Record safeguarding/LADO consideration", ("complaint",), tuple(State), extra_roles=("safeguarding_lead",)
    ),
    "respond_comment": ActionSpec("Record response", ("comment",), ("received",)),
    "pass_on": ActionSpec("Mark compliment passed on", ("compliment",), ("received",)),
    "record_feedback": ActionSpec("Update Feedback Log", ("comment", "compliment"), tuple(State)),
}


def initial_step(kind: str) -> tuple[str, int | None]:
    """(state, working-day limit from the day received) for a new submission."""
    if kind == "complaint":
        return State.received.value, ACK_DAYS
    if kind == "comment":
        return State.received.value, COMMENT_DAYS
    return State.received.value, None


def available_actions(kind: str, state: str) -> list[str]:
    return [name for name, spec in ACTIONS.items() if kind in spec.kinds and state in spec.from_states]


def _require(value: str, what: str) -> str:
    if not value.strip():
        raise WorkflowError(f"{what} is required")
    return value.strip()


def _outcome(data: StepInput) -> tuple[str, list[str], str | None]:
    if data.outcome not in OUTCOME_LABELS:
        raise WorkflowError("choose an outcome")
    bad = [r for r in data.remedies if r not in REMEDIES]
    if bad:
        raise WorkflowError(f"unknown remedy: {', '.join(bad)}")
    learning = data.learning.strip() or None
    if data.outcome in {"upheld", "partially_upheld"} and not learning:
        raise WorkflowError("record the learning for an upheld or partially upheld complaint")
    return data.outcome, list(dict.fromkeys(data.remedies)), learning


def _categories(values: list[str]) -> list[str]:
    bad = [c for c in values if c not in CATEGORIES]
    if bad:
        raise WorkflowError(f"unknown issue category: {', '.join(bad)}")
    return list(dict.fromkeys(values))


def _set_step(case: CaseLike, calendar: WorkingCalendar, anchor: date | None, days: int | None) -> None:
    case.step_anchor_on = anchor
    case.step_limit_days = days
    case.due_on = calendar.add_working_days(anchor, days) if anchor is not None and days is not None else None


def apply(
    case: CaseLike, kind: str, action: str, data: StepInput, calendar: WorkingCalendar, today: date
) -> StepResult:
    spec = ACTIONS.get(action)
    if spec is None or kind not in spec.kinds:
        raise WorkflowError(f"{action!r} is not a step for a {kind}")
    if case.state not in spec.from_states:
        raise WorkflowError(f"{spec.label} is not possible while the case is {STATE_LABELS[case.state].lower()}")
    if data.on > today:
        raise WorkflowError("the date cannot be in the future")
    if data.on < case.received_on:
        raise WorkflowError("the date cannot be before the complaint was received")

    before = case.state
    text = data.text_sent.strip() or None
    note = data.note.strip() or None
    details: dict[str, Any] = {}
    result = StepResult(action, before, before, data.on, text, note, details, case.due_on)

    if action == "acknowledge":
        result.text_sent = _require(data.text_sent, "the acknowledgement sent to the child")
        case.categories = _categories(data.categories) or case.categories
        case.staff_conduct = case.staff_conduct or data.staff_conduct or STAFF_CATEGORY in case.categories
        details["staff_conduct"] = case.staff_conduct
        case.state = State.stage1
        # Stage 1's 10 working days run from the day the complaint was received.
        _set_step(case, calendar, case.received_on, STAGE1_DAYS)
    elif action == "extend_stage1":
        if case.stage1_extended:
            raise WorkflowError("Stage 1 has already been extended to 20 working days")
        details["reason"] = _require(data.reason, "the reason for the extension")
        details["agreed_with"] = _require(data.agreed_with, "who agreed to the extension")
        case.stage1_extended = True
        _set_step(case, calendar, case.received_on, STAGE1_EXTENDED_DAYS)
    elif action in {"respond_stage1", "respond_stage2", "respond_stage3"}:
        result.text_sent = _require(data.text_sent, "the response sent to the child")
        case.outcome, case.remedies, learning = _outcome(data)
        case.learning = learning or case.learning
        details.update(outcome=case.outcome, remedies=case.remedies)
        case.state = {"respond_stage1": State.stage1_responded, "respond_stage2": State.stage2_responded}.get(
            action, State.stage3_responded
        )
        _set_step(case, calendar, None, None)
    elif action == "request_stage2":
        case.state = State.stage2_requested
        _set_step(case, calendar, None, None)
    elif action == "agree_statement":
        result.text_sent = _require(data.text_sent, "the agreed statement of complaint")
        case.state = State.stage2
        _set_step(case, calendar, data.on, STAGE2_DAYS)
    elif action == "extend_stage2":
        days = data.limit_days
        if days is None or not (case.step_limit_days or STAGE2_DAYS) < days <= STAGE2_MAX_DAYS:
            raise WorkflowError(
                f"the new limit must be more than {case.step_limit_days} and at most {STAGE2_MAX_DAYS} working days"
            )
        details["reason"] = _require(data.reason, "the reason for the extension")
        details["limit_days"] = days
        _set_step(case, calendar, case.step_anchor_on, days)
    elif action == "request_stage3":
        case.state = State.stage3_requested
        _set_step(case, calendar, data.on, STAGE3_PANEL_DAYS)
    elif action == "panel_held":
        case.state = State.stage3_panel_held
        _set_step(case, calendar, data.on, STAGE3_REPORT_DAYS)
    elif action == "panel_report":
        result.text_sent = _require(data.text_sent, "the panel's report (or its summary)")
        case.state = State.stage3_reported
        _set_step(case, calendar, data.on, STAGE3_RESPONSE_DAYS)
    elif action == "signpost_ombudsman":
        result.text_sent = _require(data.text_sent, "the Ombudsman signposting sent to the child")
        case.state = State.closed
        result.closes = result.ombudsman = True
        _set_step(case, calendar, None, None)
    elif action == "close":
        result.note = _require(data.note, "why the case is closed")
        case.state = State.closed
        result.closes = True
        _set_step(case, calendar, None, None)
    elif action == "withdraw":
        result.note = _require(data.note, "how the child withdrew the complaint")
        case.outcome = Outcome.withdrawn
        case.state = State.closed
        result.closes = True
        _set_step(case, calendar, None, None)
    elif action == "classify":
        case.categories = _categories(data.categories)
        # A complaint about staff always gets a safeguarding/LADO consideration.
        case.staff_conduct = data.staff_conduct or STAFF_CATEGORY in case.categories
        details.update(categories=case.categories, staff_conduct=case.staff_conduct)
    elif action == "record_lado":
        case.lado_decision = _require(data.decision, "the safeguarding/LADO decision")
        details["decision"] = case.lado_decision
    elif action == "respond_comment":
        result.text_sent = _require(data.text_sent, "the response sent to the child")
        _feedback(case, data, details)
        case.state = State.closed
        result.closes = True
        _set_step(case, calendar, None, None)
    elif action == "pass_on":
        case.shared_with = _require(data.shared_with, "who the compliment was passed on to")
        _feedback(case, data, details)
        case.state = State.closed
        result.closes = result.passed_on = True
        _set_step(case, calendar, None, None)
    elif action == "record_feedback":
        _feedback(case, data, details)
    result.to_state = case.state
    result.due_on = case.due_on
    return result


def _feedback(case: CaseLike, data: StepInput, details: dict[str, Any]) -> None:
    for name in ("shared_with", "shared_how", "change_in_practice"):
        value = getattr(data, name).strip()
        if value:
            setattr(case, name, value)
            details[name] = value
