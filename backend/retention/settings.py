"""Retention periods, read from the environment. Imports nothing else from the backend (config uses it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time

DEFAULT_TRACKER_URL = "sqlite:///var/rasa_tracker.sqlite3"


@dataclass(frozen=True)
class RetentionSettings:
    """The class defaults touch nothing (tests build Settings by hand); `retention_from_env`
    gives a running backend its real defaults: the repository's tracker store, daily at 03:00."""

    # Rasa's tracker store (the conversations): where it is (None: not purged), and how long a quiet one is kept.
    tracker_url: str | None = None
    conversation_days: int = 30
    # The child's words in an alert or concern, counted from the day it was closed.
    transcript_days: int = 90
    # When the server runs the job each day (Europe/London); None: only by hand.
    run_at: time | None = None


def _days(raw: str, name: str) -> int:
    try:
        days = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number of days, not {raw!r}") from None
    if days < 1:
        raise RuntimeError(f"{name} must be at least 1 (day)")
    return days


def retention_from_env(env: Mapping[str, str] | None = None) -> RetentionSettings:
    """A mistake stops start-up with the reason."""
    env = os.environ if env is None else env
    run_at = env.get("RETENTION_TIME", "03:00").strip()
    try:
        at = None if run_at.lower() in {"", "off", "none"} else time.fromisoformat(run_at)
    except ValueError:
        raise RuntimeError(f"RETENTION_TIME must be HH:MM or off, not {run_at!r}") from None
    return RetentionSettings(
        tracker_url=env.get("RASA_TRACKER_URL", "").strip() or DEFAULT_TRACKER_URL,
        conversation_days=_days(env.get("RETENTION_CONVERSATION_DAYS", "30"), "RETENTION_CONVERSATION_DAYS"),
        transcript_days=_days(env.get("RETENTION_TRANSCRIPT_DAYS", "90"), "RETENTION_TRANSCRIPT_DAYS"),
        run_at=at,
    )
