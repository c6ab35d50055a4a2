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

from actions.redact import redact

# A credential: never stored, not even for a turn.
CREDENTIAL_SLOTS = frozenset({"status_access_code"})
# References the next turn needs, sealed by the actions; emptied once used.
SEALED_SLOTS = frozenset({"last_reference", "status_reference"})
# Every Fernet token starts with its version byte, base64-encoded.
SEALED_PREFIX = "gAAAAA"


def _redact_strings(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_strings(item) for item in value]
    return value


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """The event as it may be stored (a new dict; `data` is not changed)."""
    if data.get("event") == "slot":
        if data.get("name") in CREDENTIAL_SLOTS:
            return {**data, "value": None}
        value = data.get("value")
        if data.get("name") in SEALED_SLOTS and isinstance(value, str) and value.startswith(SEALED_PREFIX):
            return data
    return _redact_strings(data)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose new events are redacted on their way into the database.

    Rasa's `save` stores what `_additional_events` yields, and counts stored events to
    know where to start next time; a redacted copy keeps that count the same.
    """

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        for event in super()._additional_events(session, tracker):
            data = event.as_dict()
            cleaned = redact_event(data)
            yield event if cleaned == data else Event.from_parameters(cleaned)
