"""Reading staff forms into typed values (bad input becomes a message, never a crash)."""

from __future__ import annotations

from datetime import date

from multidict import MultiMapping

from backend.casework.steps import StepInput

MAX_TEXT = 20_000

# What `await request.post()` gives, read only: any field may be text or a file upload.
Form = MultiMapping[object]


class FormError(ValueError):
    """A field that cannot be read; the message says which and why, for the page to show."""


def text(form: Form, name: str) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise FormError(f"{name} must be text")
    if len(value) > MAX_TEXT:
        raise FormError(f"{name} is too long")
    return value


def texts(form: Form, name: str) -> list[str]:
    """Every text value of a field that can repeat (checkboxes, a multiple select); anything else is skipped."""
    return [v for v in form.getall(name, []) if isinstance(v, str)]


def optional_date(form: Form, name: str) -> date | None:
    raw = text(form, name).strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError as exc:
        raise FormError(f"{name.replace('_', ' ')} must be a date like 2026-12-23") from exc


def checked(form: Form, name: str) -> bool:
    return form.get(name) == "on"


def step_input(form: Form, today: date) -> StepInput:
    on = optional_date(form, "on") or today
    raw_limit = text(form, "limit_days").strip()
    if raw_limit and not raw_limit.isdigit():
        raise FormError("the new limit must be a whole number of working days")
    return StepInput(
        on=on,
        text_sent=text(form, "text_sent"),
        note=text(form, "note"),
        outcome=text(form, "outcome"),
        remedies=texts(form, "remedies"),
        categories=texts(form, "categories"),
        learning=text(form, "learning"),
        reason=text(form, "reason"),
        agreed_with=text(form, "agreed_with"),
        limit_days=int(raw_limit) if raw_limit else None,
        staff_conduct=checked(form, "staff_conduct"),
        child_response=text(form, "child_response"),
        reason_code=text(form, "reason_code"),
        discretion=text(form, "discretion"),
        investigating_officer=text(form, "investigating_officer"),
        independent_person=text(form, "independent_person"),
        advocate_offered=checked(form, "advocate_offered"),
        panel_members=text(form, "panel_members").splitlines(),
        subject_staff=text(form, "subject_staff"),
        about_manager=checked(form, "about_manager"),
        handler=text(form, "handler"),
        lado_referred_on=optional_date(form, "lado_referred_on"),
        ofsted_notified_on=optional_date(form, "ofsted_notified_on"),
        shared_with=text(form, "shared_with"),
        shared_how=text(form, "shared_how"),
        change_in_practice=text(form, "change_in_practice"),
        decision=text(form, "decision"),
    )
