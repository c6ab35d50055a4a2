"""Concern settings: who else is reminded of unread concerns, and how often the backend looks.

This module imports nothing else from the backend but the alert settings' validators,
so `backend.config` can use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from backend.alerts.settings import _email, _positive, _split


@dataclass(frozen=True)
class ConcernSettings:
    # Reminded of unread, overdue concerns besides every safeguarding lead with an email address.
    notify_emails: tuple[str, ...] = ()
    # How often the reminder loop looks for unread concerns past their working day.
    reminder_period_seconds: float = 300.0


def concerns_from_env(env: Mapping[str, str] | None = None) -> ConcernSettings:
    """A mistake stops start-up with the reason, like the alert settings."""
    env = os.environ if env is None else env
    return ConcernSettings(
        notify_emails=tuple(_email(e, "CONCERN_NOTIFY_EMAILS") for e in _split(env.get("CONCERN_NOTIFY_EMAILS", ""))),
        reminder_period_seconds=_positive(
            env.get("CONCERN_REMINDER_PERIOD_SECONDS", "300"), "CONCERN_REMINDER_PERIOD_SECONDS"
        ),
    )
