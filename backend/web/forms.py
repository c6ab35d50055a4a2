"""Reading staff forms into typed values (bad input becomes a message, never a crash)."""

from __future__ import annotations

from datetime import date

from multidict import MultiDictProxy

from backend.workflow.rules import StepInput, WorkflowError

MAX_TEXT = 20_000


class FormError(ValueError):
    """A field that cannot be read; the message says which and why, for the page to show."""


def text(form: MultiDictProxy, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise FormError(f"{name} must be text")
    if len(value) > MAX_TEXT:
        raise FormError(f"{name} is too long")
    return value


def step_input(form: MultiDictProxy, today: date) -> StepInput:
    raw_on = text(form, "on").strip()
    try:
        on = date.fromisoformat(raw_on) if raw_on else today
    except ValueError as exc:
        raise WorkflowError("the date must be a date like 2026-12-23") from exc
    raw_limit = text(form, "limit_days").strip()
    if raw_limit and not raw_limit.isdigit():
        raise WorkflowError("the new limit must be a whole number of working days")
    return StepInput(
        on=on,
        text_sent=text(form, "text_sent"),
        note=text(form, "note"),
        outcome=text(form, "outcome"),
        remedies=[v for v in form.getall("remedies", []) if isinstance(v, str)],
        categories=[v for v in form.getall("categories", []) if isinstance(v, str)],
        learning=text(form, "learning"),
        reason=text(form, "reason"),
        agreed_with=text(form, "agreed_with"),
        limit_days=int(raw_limit) if raw_limit else None,
        staff_conduct=form.get("staff_conduct") == "on",
        shared_with=text(form, "shared_with"),
        shared_how=text(form, "shared_how"),
        change_in_practice=text(form, "change_in_practice"),
        decision=text(form, "decision"),
    )
