"""How a member of staff is named in histories and to the child."""

from __future__ import annotations

from backend.models import StaffUser


def display_name(user: StaffUser) -> str:
    """What the child and the history see: the display name when there is one, else the username."""
    return (getattr(user, "display_name", None) or user.username)[:64]
