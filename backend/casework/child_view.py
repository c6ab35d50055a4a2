"""What the child is told when they check on what they sent, and on the receipt.

One source of truth: the words come from the step that put the case where it is
(steps.py), with its deadline; the outcome and the answer staff wrote for the child
come from the case. Plain words (reading age about 9), no jargon, no promises staff
might not keep. Named and anonymous children are told the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.casework import timescales
from backend.casework.models import Case
from backend.casework.steps import CHILD_NEXT_STAGE, STEPS, Clock
from backend.deadlines import WorkingCalendar


def friendly_date(day: date, today: date) -> str:
    """Friday 5 December (with the year only when it is not this year)."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


@dataclass(frozen=True)
class ChildStatus:
    stage_for_child: str
    next_step_for_child: str
    due_date: date | None
    outcome_for_child: str | None = None
    response_for_child: str | None = None
    # "stage2" or "stage3" when the child may ask for it now from the chat.
    next_stage: str | None = None


OUTCOME_FOR_CHILD = {
    "upheld": "They agreed with your complaint.",
    "partially_upheld": "They agreed with some of your complaint.",
    "not_upheld": "They did not agree with your complaint this time.",
    "resolution_meeting_offered": "They would like to meet with you to sort it out.",
    "not_accepted": "It cannot go through the complaints steps.",
}

_LATE = (
    "It is taking longer than we said. Sorry about that. "
    "You can ask an adult you trust or an advocate to help you find out more."
)


def child_status(case: Case, today: date, calendar: WorkingCalendar | None = None) -> ChildStatus:
    kind = case.submission.kind
    step = STEPS.get(case.last_step or "receive", STEPS["receive"])
    words = (step.child or {}).get(kind) or (STEPS["receive"].child or {})[kind]
    nxt = words.next
    due_on = case.due_on if case.state != "closed" else None
    if due_on is not None and due_on < today:
        nxt = _LATE
    elif due_on is not None:
        nxt = nxt.format(date=friendly_date(due_on, today))
    outcome = OUTCOME_FOR_CHILD.get(case.outcome or "") if kind == "complaint" else None
    return ChildStatus(
        stage_for_child=words.where,
        next_step_for_child=nxt,
        due_date=due_on,
        outcome_for_child=outcome,
        response_for_child=case.child_response,
        next_stage=_next_stage(case, today, calendar or WorkingCalendar()),
    )


def _next_stage(case: Case, today: date, calendar: WorkingCalendar) -> str | None:
    """Stage 2 or 3, while the child is still within the time to ask (later, staff decide)."""
    action = CHILD_NEXT_STAGE.get(case.state)
    if action is None or case.submission.kind != "complaint" or case.step_anchor_on is None:
        return None
    if today > calendar.add_working_days(case.step_anchor_on, timescales.NEXT_STAGE_REQUEST_DAYS):
        return None
    return "stage2" if action == "request_stage2" else "stage3"


def receipt_next_steps(kind: str, received_on: date, calendar: WorkingCalendar, today: date) -> str:
    """The receipt's "what happens next", with real dates from the steps' clocks."""
    if kind == "compliment":
        return "We'll pass your thanks on. Thank you for telling us!"
    first = STEPS["receive"].clock_for(kind)
    assert isinstance(first, Clock)
    first_due = friendly_date(calendar.add_working_days(received_on, first.days), today)
    if kind == "comment":
        return (
            f"The manager will read it and think about it. You should hear back by {first_due}. "
            "If it doesn't get sorted, it can become a complaint. Tell a member of staff and give them "
            "your reference."
        )
    answer = STEPS["acknowledge"].clock_for(kind)
    assert isinstance(answer, Clock)
    answer_due = friendly_date(calendar.add_working_days(received_on, answer.days), today)
    return (
        f"The manager will read it. They should tell you they've got it by {first_due}, "
        f"and give you an answer by {answer_due}."
    )
