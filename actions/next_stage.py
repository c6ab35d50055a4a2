"""Actions for "I'm not happy with the answer": the child asks for Stage 2 or 3 from the chat.

Only right after the child has seen the answer: the status answer's pass (sealed in a slot)
asks without the code again. Without one, the status form asks for the reference and code
first and the status check shows the answer with the choice (actions/status.py), so a message
misread as this intent ("what was the answer") never asks for a stage on its own.
"""

from __future__ import annotations

import time

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import (
    BackendClient,
    BackendRejectedError,
    BackendUnavailableError,
    NextStageAsked,
    NextStageNotNow,
    NextStageResult,
    StatusNoMatch,
    StatusTooManyTries,
)
from actions.conversation_context import ANONYMOUS_SENT_SLOT
from actions.sealed import seal
from actions.status import NEXT_STAGE_SLOTS, tell_not_now, unseal_pass

ASKED_FOR = {
    "stage2": "Done. I've asked for someone else to look at your complaint.",
    "stage3": "Done. I've asked for a group of people to look at your complaint again.",
}


def asked_text(result: NextStageAsked) -> str:
    # The backend's words say where it is now and what happens next (with the date).
    done = ASKED_FOR.get(result.asked_for, ASKED_FOR["stage2"])
    return f"{done}\n{result.status.stage_for_child}\n{result.status.next_step_for_child}"


def _advocate_offer(result: NextStageAsked) -> list[EventType]:
    """The advocate offer made after every complaint, linked to this one (actions/advocacy.py)."""
    anonymous = result.status.anonymous
    return [
        SlotSet("advocate_offered", True),
        SlotSet("advocate_wanted", None),
        SlotSet("last_reference", seal(result.status.reference)),
        SlotSet("last_anonymous", anonymous),
        SlotSet("last_first_name", None if anonymous else result.first_name),
    ]


def tell(dispatcher: CollectingDispatcher, result: NextStageResult) -> list[EventType]:
    """The answer to the child, and what the next turn needs."""
    if isinstance(result, NextStageAsked):
        dispatcher.utter_message(text=asked_text(result))
        dispatcher.utter_message(response="utter_offer_advocate")
        events = _advocate_offer(result)
        if result.status.anonymous:
            # Like the receipt of an anonymous complaint: never shown to staff with this conversation.
            events.append(SlotSet(ANONYMOUS_SENT_SLOT, time.time()))
        return events
    if isinstance(result, NextStageNotNow):
        tell_not_now(dispatcher, result.why, result.status)
        return [SlotSet(ANONYMOUS_SENT_SLOT, time.time())] if result.status.anonymous else []
    if isinstance(result, StatusTooManyTries):
        dispatcher.utter_message(response="utter_status_too_many_tries")
    else:
        dispatcher.utter_message(response="utter_status_no_match")
    return []


class ActionAskNextStage(Action):
    def name(self) -> str:
        return "action_ask_next_stage"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        held = unseal_pass(tracker.get_slot("next_stage_pass"))
        if held is None or tracker.active_loop.get("name") == "status_form":
            # Not right after an answer (or while the reference and code are being given): the form
            # asks for them, and the status check shows the answer with the choice.
            dispatcher.utter_message(response="utter_next_stage_needs_reference")
            return [SlotSet("next_stage_wanted", True)]
        reference, next_stage_pass = held
        try:
            result = await BackendClient().ask_next_stage(reference, next_stage_pass=next_stage_pass)
        except (BackendUnavailableError, BackendRejectedError):
            # The pass is kept, so "Try again" needs no code.
            dispatcher.utter_message(response="utter_next_stage_failed")
            return []
        if isinstance(result, StatusNoMatch):
            # The pass ran out (it lasts about as long as a chat): ask for the reference and code again.
            dispatcher.utter_message(response="utter_next_stage_needs_reference_again")
            forget = [SlotSet("next_stage_pass", None), SlotSet("next_stage_offered", None)]
            return [*forget, SlotSet("next_stage_wanted", True)]
        return [*(SlotSet(slot, None) for slot in NEXT_STAGE_SLOTS), *tell(dispatcher, result)]


class ActionKeepAnswer(Action):
    """After an answer the child could take further: "That's OK", "I'm OK" or "I don't know"."""

    def name(self) -> str:
        return "action_keep_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response="utter_next_stage_not_sure" if intent == "dont_know" else "utter_answer_kept")
        # The pass stays for the rest of its short life: "actually, I'm not happy" still works.
        return [SlotSet("next_stage_offered", None)]
