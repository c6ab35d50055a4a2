"""What the child is told when they check on their complaint, comment or compliment.

One source of truth: the words are derived from the case's state and due date,
the same fields staff see. Plain words (reading age about 9), no jargon, no
promises staff might not keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.workflow.rules import State


def friendly_date(day: date, today: date) -> str:
    """Friday 5 December (with the year only when it is not this year)."""
    text = f"{day:%A} {day.day} {day:%B}"
    return text if day.year == today.year else f"{text} {day.year}"


@dataclass(frozen=True)
class ChildStatus:
    stage_for_child: str
    next_step_for_child: str
    due_date: date | None


_COMPLAINT_WORDS: dict[str, tuple[str, str]] = {
    # state: (where it is, what happens next; "{date}" is the due date)
    State.received: (
        "We have got your complaint. The manager will read it soon.",
        "The manager should let you know they have got it by {date}.",
    ),
    State.stage1: ("The manager is looking into it.", "You should get an answer by {date}."),
    State.stage1_responded: (
        "The manager has answered your complaint.",
        "If you are not happy with the answer, you can ask for someone else to look at it. "
        "An adult you trust or an advocate can help you ask.",
    ),
    State.stage2_requested: (
        "You asked for someone else to look at your complaint.",
        "Someone will talk with you soon to write down what your complaint is about.",
    ),
    State.stage2: (
        "Someone who does not work in your home is looking into your complaint.",
        "You should get an answer by {date}.",
    ),
    State.stage2_responded: (
        "You have had an answer from the person who looked into your complaint.",
        "If you are still not happy, you can ask for a group of people to look at it again. "
        "An adult you trust or an advocate can help you ask.",
    ),
    State.stage3_requested: (
        "A group of people is getting ready to look at your complaint again.",
        "They should meet by {date}.",
    ),
    State.stage3_panel_held: (
        "The group has met to talk about your complaint.",
        "They are writing down what they think. This should be done by {date}.",
    ),
    State.stage3_reported: (
        "The group has written down what they think.",
        "You should get an answer by {date}.",
    ),
    State.stage3_responded: (
        "You have had the final answer about your complaint.",
        "If you are still not happy, there is one more group outside who can help. "
        "An adult you trust or an advocate can help you contact them.",
    ),
}

_LATE = (
    "It is taking longer than we said. Sorry about that. "
    "You can ask an adult you trust or an advocate to help you find out more."
)


def child_status(kind: str, state: str, due_on: date | None, outcome: str | None, today: date) -> ChildStatus:
    if kind == "compliment":
        if state == State.closed:
            return ChildStatus("Thank you! Your kind words have been passed on.", "There is nothing else to do.", None)
        return ChildStatus("Thank you! We have got your kind words.", "We will pass them on soon.", None)
    if kind == "comment":
        if state == State.closed:
            return ChildStatus(
                "Thank you for your idea. The manager has answered it.",
                "If you want to say more, you can start a new message any time.",
                None,
            )
        stage, nxt = "Thank you for your idea. The manager will read it.", "You should hear back by {date}."
    elif state == State.closed:
        if outcome == "withdrawn":
            return ChildStatus(
                "You said you did not want to carry on with your complaint. That is okay.",
                "You can make a new complaint any time.",
                None,
            )
        return ChildStatus(
            "Your complaint is finished.",
            "If you are still not happy, an adult you trust or an advocate can help you with what to do next.",
            None,
        )
    else:
        stage, nxt = _COMPLAINT_WORDS[State(state)]
    if due_on is not None and due_on < today:
        nxt = _LATE
    elif due_on is not None:
        nxt = nxt.format(date=friendly_date(due_on, today))
    return ChildStatus(stage, nxt, due_on)
