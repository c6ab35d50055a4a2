"""Actions for "how is my complaint going?": a reference and a code, then the answer.

The access code is held in a slot only until action_check_status has used it,
and is never repeated back to the child (it would then sit in the chat history).
"""

from __future__ import annotations

import json
import re
import time
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
from actions.conversation_context import ANONYMOUS_SENT_SLOT, EVERYWHERE_INTENTS
from actions.sealed import seal, unseal
from actions.stuck import StuckHelp

# The characters the backend uses (backend/codes.py): no 0/O, 1/I/L or U.
CODE_ALPHABET = set("23456789ABCDEFGHJKMNPQRSTVWXYZ")
CODE_LENGTH = 6
_REFERENCE = re.compile(r"\b(CMP|CMT|THX)[\s\-_.]*([A-Z0-9]{4})[\s\-_.]*([A-Z0-9]{2})\b")
STATUS_SLOTS = ("status_reference", "status_access_code")
# "I'm not happy with the answer" (actions/next_stage.py): asked, the sealed pass, the two choices shown.
NEXT_STAGE_SLOTS = ("next_stage_wanted", "next_stage_pass", "next_stage_offered")


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


# Words before a code: "code 3R44J3", "my code is 3r44j3", "pin: 3R44J3".
_CODE_WORD = re.compile(r"\b(CODE|PIN|PASSCODE|PASSWORD)\b\W*(IS\W+)?([A-Z0-9]{6})\b")


def code_beside_reference(text: str) -> str | None:
    """The code in a message that also holds a reference, or None when unsure.

    Stricter than find_access_code (used when the code is asked for): in a sentence, a
    six-letter word like THANKS must not be taken for a code and spend one of the tries
    the backend allows (MAX_WRONG_CODES in backend/api/status.py).
    So: the word after "code" (or "pin"), else the one six-character word with a digit in it.
    """
    upper = _REFERENCE.sub(" ", text.upper())
    named = _CODE_WORD.search(upper)
    if named and set(named.group(3)) <= CODE_ALPHABET:
        return named.group(3)
    words = [w for w in re.split(r"[^A-Z0-9]+", upper) if len(w) == CODE_LENGTH and set(w) <= CODE_ALPHABET]
    with_digit = [w for w in words if any(ch.isdigit() for ch in w)]
    return with_digit[0] if len(with_digit) == 1 else None


def _words(tracker: Tracker) -> str:
    """What the child typed, unless it was a button or a request answered by its own rule."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    intent = (message.get("intent") or {}).get("name")
    return "" if text.startswith("/") or intent in EVERYWHERE_INTENTS else text


class ValidateStatusForm(StuckHelp, FormValidationAction):
    """Reference, then code. Both in one message ("ref CMP-2PEV-4C code 3R44J3", any order
    or case, with or without the words) are both used, in the turn they are given: the code
    is never kept in the stored conversation (bot/tracker_store.py), so it cannot wait."""

    def name(self) -> str:
        return "validate_status_form"

    async def extract_status_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "status_reference":
            return {}  # asked for: the domain's from_text mapping hands the answer to validation
        reference = find_reference(_words(tracker))
        # Raw for one moment: validate_status_reference seals it before anything leaves the action server.
        return {"status_reference": reference} if reference else {}

    async def extract_status_access_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "status_access_code":
            return {}  # asked for: from_text, and validate_status_access_code's wider reading
        text = _words(tracker)
        # Only with a reference to check it against now: a code alone would be forgotten before it was used.
        if not (find_reference(text) or unseal(tracker.get_slot("status_reference"))):
            return {}
        code = code_beside_reference(text)
        return {"status_access_code": code} if code else {}

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


def status_words(found: StatusFound) -> str:
    """Where it is, the outcome and what staff wrote for the child, then what happens next."""
    lines = [found.stage_for_child]
    if found.outcome_for_child:
        lines.append(found.outcome_for_child)
    if found.response_for_child:
        lines.append(f'What they said to you: "{found.response_for_child}"')
    if found.next_step_for_child:
        lines.append(found.next_step_for_child)
    return "\n".join(lines)


def can_take_further(found: StatusFound) -> bool:
    return bool(found.next_stage and found.next_stage_pass)


def status_text(found: StatusFound, asked: bool = False) -> str:
    """`asked`: the child said they were not happy before giving the reference and code."""
    text = f"Here's how {found.reference} is going.\n{status_words(found)}"
    if can_take_further(found):
        # Nothing is asked for until the child has seen the answer and taps (a misread message never asks).
        text += ASKED_ENDING if asked else "\nOr I can ask for you now."
    return text


ASKED_ENDING = '\nIf you still want it looked at again, tap "I\'m not happy with the answer".'


# After an answer the child may take further: the two choices (data/stories/next_stage.yml).
NEXT_STAGE_BUTTONS = [
    {"title": "I'm not happy with the answer", "payload": "/ask_next_stage"},
    {"title": "That's OK", "payload": "/deny"},
]
# Why the child cannot ask now: one response each in domain/next_stage.yml (utter_next_stage_not_now_<why>).
NOT_NOW_REASONS = ("not_a_complaint", "not_answered", "already_asked", "too_late", "finished")
NOT_NOW_BUTTONS = [
    {"title": "Get an advocate", "payload": "/request_advocate"},
    {"title": "Talk to a person", "payload": "/talk_to_person"},
]


def tell_not_now(dispatcher: CollectingDispatcher, why: str | None, found: StatusFound) -> None:
    """Why not now, kindly, then where it is and who can help."""
    dispatcher.utter_message(response=f"utter_next_stage_not_now_{why if why in NOT_NOW_REASONS else 'not_answered'}")
    dispatcher.utter_message(
        text=f"Here's where it is:\n{status_words(found)}\n"
        "If you're not happy with how it's going, an adult you trust or an advocate can help you.",
        buttons=NOT_NOW_BUTTONS,
    )


def seal_pass(reference: str, next_stage_pass: str) -> str:
    """Sealed like a reference (actions/sealed.py): the stored conversation shows neither."""
    return seal(json.dumps({"reference": reference, "pass": next_stage_pass}))


def unseal_pass(sealed: object) -> tuple[str, str] | None:
    """(reference, pass) from seal_pass, or None."""
    try:
        held = json.loads(unseal(sealed) or "null")
    except ValueError:
        return None
    if isinstance(held, dict) and isinstance(held.get("reference"), str) and isinstance(held.get("pass"), str):
        return held["reference"], held["pass"]
    return None


def after_status(found: StatusFound) -> list[EventType]:
    """What the next turn needs from a status answer: the pass if the child may take it further.

    An anonymous complaint's outcome and answer say which complaint it was: like its receipt,
    they are left out of anything staff are shown from this conversation later.
    """
    offered = can_take_further(found)
    events: list[EventType] = [
        SlotSet("next_stage_pass", seal_pass(found.reference, found.next_stage_pass or "") if offered else None),
        SlotSet("next_stage_offered", True if offered else None),
        SlotSet("next_stage_wanted", None),
    ]
    if offered:
        events.append(SlotSet("advocate_offered", None))  # "no" now answers the newest question
    if found.anonymous:
        events.append(SlotSet(ANONYMOUS_SENT_SLOT, time.time()))
    return events


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reference = unseal(tracker.get_slot("status_reference"))
        code = tracker.get_slot("status_access_code")
        # Emptied whatever happens next: the code is not kept a moment longer than this call
        # (and nothing is left from checking on another one).
        cleared = [SlotSet(slot, None) for slot in (*STATUS_SLOTS, *NEXT_STAGE_SLOTS)]
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
            asked = bool(tracker.get_slot("next_stage_wanted"))
            if asked and not can_take_further(result):
                tell_not_now(dispatcher, result.next_stage_why_not, result)
            else:
                buttons = NEXT_STAGE_BUTTONS if can_take_further(result) else []
                dispatcher.utter_message(text=status_text(result, asked), buttons=buttons)
            return cleared + after_status(result)
        if isinstance(result, StatusTooManyTries):
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
        return [SlotSet(slot, None) for slot in (*STATUS_SLOTS, *NEXT_STAGE_SLOTS)]
