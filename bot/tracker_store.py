"""Rasa's SQL tracker store, minus every access code and every reference written in text.

An access code is a credential: the child sees it once in the bot's reply (which the
channel returns straight from the dispatcher), and the stored conversation keeps only
"[code removed]". The same goes for a code the child types to check on a complaint,
and for references in any text, so a transcript read later (a handoff, an alert, a
support query) cannot point back to an anonymous submission.

The two slots that carry a reference to the next turn (the complaint just sent,
for the advocate offer; a reference typed to check status) hold it sealed by the
actions (actions/sealed.py), so a sealed value is stored as it is.
Configured in bot/endpoints.yml as `type: bot.tracker_store.RedactingSQLTrackerStore`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from actions.redact import redact, without
from actions.status import find_access_code

# A credential: never stored, not even for a turn.
CREDENTIAL_SLOTS = frozenset({"status_access_code"})
# References the next turn needs, sealed by the actions; emptied once used.
SEALED_SLOTS = frozenset({"last_reference", "status_reference"})
# Every Fernet token starts with its version byte, base64-encoded.
SEALED_PREFIX = "gAAAAA"


def _redact_strings(value: Any, codes: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, str):
        return without(redact(value), codes)
    if isinstance(value, dict):
        return {key: _redact_strings(item, codes) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_strings(item, codes) for item in value]
    return value


def codes_in(events: list[dict[str, Any]]) -> frozenset[str]:
    """Every code the status check took from the child's words in these events: whatever words
    it came in ("its 3r44j3" answering "Now type your code"), it is taken out of every text."""
    found = set()
    for data in events:
        if data.get("event") == "slot" and data.get("name") in CREDENTIAL_SLOTS and isinstance(data.get("value"), str):
            code = find_access_code(data["value"])
            if code:
                found.add(code)
    return frozenset(found)


def redact_event(data: dict[str, Any], codes: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The event as it may be stored (a new dict; `data` is not changed)."""
    if data.get("event") == "slot":
        if data.get("name") in CREDENTIAL_SLOTS:
            return {**data, "value": None}
        value = data.get("value")
        if data.get("name") in SEALED_SLOTS and isinstance(value, str) and value.startswith(SEALED_PREFIX):
            return data
    return _redact_strings(data, codes)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose new events are redacted on their way into the database.

    Rasa's `save` stores what `_additional_events` yields, and counts stored events to
    know where to start next time; a redacted copy keeps that count the same.
    """

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        events = list(super()._additional_events(session, tracker))
        # A turn's events are saved together: the code slot set after the message names the code in it.
        codes = codes_in([event.as_dict() for event in events])
        for event in events:
            data = event.as_dict()
            cleaned = redact_event(data, codes)
            yield event if cleaned == data else Event.from_parameters(cleaned)
