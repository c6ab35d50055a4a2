"""Actions for "how is my complaint going?": a reference and a code, then the answer.

The access code is held in a slot only until action_check_status has used it,
and is never repeated back to the child (it would then sit in the chat history).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendClient,
    BackendRejectedError,
    BackendUnavailableError,
    StatusFound,
    StatusTooManyTries,
)
from actions.sealed import seal, unseal

# The characters the backend uses (backend/codes.py): no 0/O, 1/I/L or U.
CODE_ALPHABET = set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
CODE_LENGTH = 6
_REFERENCE = re.compile(r"\b(CMP|CMT|THX)[\s\-_.]*([A-Z0-9]{4})[\s\-_.]*([A-Z0-9]{2})\b")
STATUS_SLOTS = ("status_reference", "status_access_code")


def find_reference(text: str) -> str | None:
    """'my ref is cmp 7k4q 2m' -> 'CMP-7K4Q-2M'."""
    match = _REFERENCE.search(text.upper())
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else None


def find_access_code(text: str) -> str | None:
    """The 6-character code in what the child typed ('my code is 4kx9pq' -> '4KX9PQ')."""
    whole = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(whole) == CODE_LENGTH:
        return whole
    words = [w for w in re.split(r"[^A-Z0-9]+", text.upper()) if len(w) == CODE_LENGTH]
    codes = [w for w in words if set(w) <= CODE_ALPHABET]
    return codes[-1] if codes else None


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    def validate_status_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reference = find_reference(value) if isinstance(value, str) else None
        if reference is None:
            dispatcher.utter_message(response="utter_reference_invalid")
            return {"status_reference": None}
        # Sealed until action_check_status uses it: the stored conversation must not show it.
        return {"status_reference": seal(reference)}

    def validate_status_access_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = find_access_code(value) if isinstance(value, str) else None
        if code is None:
            dispatcher.utter_message(response="utter_code_invalid")
        return {"status_access_code": code}


def status_text(found: StatusFound) -> str:
    text = f"Here's how {found.reference} is going.\n{found.stage_for_child}"
    if found.next_step_for_child:
        text += f"\n{found.next_step_for_child}"
    return text


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reference = unseal(tracker.get_slot("status_reference"))
        code = tracker.get_slot("status_access_code")
        # Emptied whatever happens next: the code is not kept a moment longer than this call.
        cleared = [SlotSet(slot, None) for slot in STATUS_SLOTS]
        if not reference or not code:
            # Only if the seal has expired or the keys changed between turns: never silence.
            dispatcher.utter_message(response="utter_status_failed")
            return cleared
        try:
            result = await BackendClient().check_status(reference, code)
        except (BackendUnavailableError, BackendRejectedError):
            dispatcher.utter_message(response="utter_status_failed")
            return cleared
        if isinstance(result, StatusFound):
            dispatcher.utter_message(text=status_text(result))
        elif isinstance(result, StatusTooManyTries):
            dispatcher.utter_message(response="utter_status_too_many_tries")
        else:
            dispatcher.utter_message(response="utter_status_no_match")
        return cleared


class ActionLostCode(Action):
    """Lost the reference or the code: who can help, and nothing half-typed is kept."""

    def name(self) -> str:
        return "action_lost_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_lost_code")
        return [SlotSet(slot, None) for slot in STATUS_SLOTS]
