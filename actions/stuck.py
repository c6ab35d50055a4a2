"""A child who gives the same answer twice and gets the same question back is stuck.

When a form would ask the same thing again after the same answer, the question comes with a
way out (a person), every other time: no question is ever asked three times in a row in the
same words.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


def _said(event: dict[str, Any]) -> str:
    return " ".join((event.get("text") or "").casefold().split())


def same_answer_again(tracker: Tracker) -> bool:
    """True when the child's latest message is the same as the one before it."""
    said = [_said(e) for e in reversed(tracker.events) if e.get("event") == "user"][:2]
    return len(said) == 2 and bool(said[0]) and said[0] == said[1]


def said_last_time(tracker: Tracker, response: str) -> bool:
    """True when the bot's reply to the child's previous message included `response`."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and event.get("event") == "bot":
            if (event.get("metadata") or {}).get("utter_action") == response:
                return True
    return False


def stuck(tracker: Tracker, offer: str) -> bool:
    """Same answer again, and the way out was not offered last time (so the reply changes every time)."""
    return same_answer_again(tracker) and not said_last_time(tracker, offer)


class StuckHelp:
    """Mixin for a FormValidationAction: offer a person when the same answer gets the same question."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        # A mixin: run() is the FormValidationAction's it is mixed into, which mypy cannot see here.
        events: list[EventType] = await super().run(dispatcher, tracker, domain)  # type: ignore[misc]
        values = {e.get("name"): e.get("value") for e in events if e.get("event") == "slot"}
        # Still unanswered, and (when the action names the next question) asked next again.
        asking_again = asked is not None and values.get(asked) is None and values.get("requested_slot", asked) == asked
        if asking_again and stuck(tracker, "utter_stuck"):
            dispatcher.utter_message(response="utter_stuck")
        return events
