"""Facts about the conversation that several actions need."""

from __future__ import annotations

import os

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
