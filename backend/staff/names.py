"""How a member of staff is named: to the child by display name only (never the username); to staff precisely."""

from __future__ import annotations

from backend.models import StaffUser

MAX_LENGTH = 64
# Used when an account is created without a display name. They read well after "Hi, I'm ...",
# say who the person is in plain words, and never reveal a login name.
ROLE_DEFAULT_NAMES = {
    "manager": "the home manager",
    "complaints_officer": "the complaints officer",
    "safeguarding_lead": "the safeguarding lead",
}
FALLBACK_NAME = "a member of staff"


def default_display_name(role: str) -> str:
    return ROLE_DEFAULT_NAMES.get(role, FALLBACK_NAME)


def clean_display_name(raw: str) -> str:
    """A display name as given on the command line: one line of printable text, 1-64 characters."""
    name = " ".join(raw.split())
    if not name or len(name) > MAX_LENGTH or not name.isprintable():
        raise ValueError(f"a display name is 1 to {MAX_LENGTH} printable characters")
    return name


def display_name(user: StaffUser) -> str:
    """What the child sees. Falls back to the role's name, never to the username."""
    return (user.display_name or default_display_name(user.role))[:MAX_LENGTH]


def staff_label(user: StaffUser) -> str:
    """How staff pages and histories name a colleague: precise, so the display name with the username."""
    shown = display_name(user)
    label = shown if shown.casefold() == user.username.casefold() else f"{shown} ({user.username})"
    return label[:MAX_LENGTH]
