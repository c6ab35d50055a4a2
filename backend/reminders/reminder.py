"""One staff member's daily reminder, whatever it is about (cases or concerns)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reminder:
    username: str
    email: str | None
    subject: str
    body: str
    overdue: int
    due_soon: int
