"""Facts about the conversation that several actions need."""

from __future__ import annotations

import os
from typing import Any

from rasa_sdk import Tracker


def home_of(tracker: Tracker) -> str:
    """The home the tablet belongs to: set once by staff on the tablet and sent
    with every message by the chat page; HOME_CODE for other channels."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            home = (event.get("metadata") or {}).get("home")
            if isinstance(home, str) and home.strip():
                return home.strip()
    return os.environ.get("HOME_CODE", "home-1")


# Intents answered by their own rules at every step (data/stories/everywhere.yml), inside a
# form too: never taken as the answer to the form's question.
EVERYWHERE_INTENTS = frozenset({"feel_unsafe", "help", "stop", "restart", "talk_to_person", "ask_privacy", "goodbye"})

# Set to the time an anonymous submission was sent. Everything before it in the
# conversation (the anonymous words, the receipt) is never passed to staff.
ANONYMOUS_SENT_SLOT = "anonymous_sent_at"


def after_anonymous_part(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events after the last anonymous submission (all of them if there was none)."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "slot" and event.get("name") == ANONYMOUS_SENT_SLOT:
            return events[index + 1 :]
    return events
