"""Actions that work at every step: stop, and talk to a person."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.advocacy import ADVOCATE_SLOTS
from actions.conversation_context import ANONYMOUS_SENT_SLOT
from actions.feedback import FEEDBACK_SLOTS
from actions.safeguarding import person_request_payload, send_through_outbox
from actions.status import NEXT_STAGE_SLOTS, STATUS_SLOTS

# Not the safeguarding slots: stopping a complaint must not forget a safety interruption.
STOPPABLE_SLOTS = (
    *FEEDBACK_SLOTS,
    *ADVOCATE_SLOTS,
    *STATUS_SLOTS,
    *NEXT_STAGE_SLOTS,
    "submission_pending",
    "submission_key",
)


class ActionStop(Action):
    """Stops whatever the child was doing; nothing half-finished is kept or sent."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_stopped")
        return [SlotSet(slot, None) for slot in dict.fromkeys(STOPPABLE_SLOTS)]


class ActionTalkToPerson(Action):
    """Asks staff to come and talk to the child, and says honestly whether that worked."""

    def name(self) -> str:
        return "action_talk_to_person"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Asking for a person means someone must find this tablet, so the session and home go with it.
        delivered = await send_through_outbox(person_request_payload(tracker))
        # Never pretend someone is on their way when the request is still waiting to be delivered.
        dispatcher.utter_message(response="utter_person_asked" if delivered else "utter_person_queued")
        if tracker.get_slot(ANONYMOUS_SENT_SLOT):
            # True because person_request_payload leaves that part out, as does the handoff transcript.
            dispatcher.utter_message(response="utter_person_not_anonymous_part")
        return []


# Answers that mean "I didn't understand": one of them just before means twice in a row.
NOT_UNDERSTOOD = {"utter_default", "utter_out_of_scope", "utter_fallback_offer_person", "utter_form_fallback"}


def previous_bot_response(tracker: Tracker) -> str | None:
    """The response the bot gave before the child's latest message (reverted turns included)."""
    seen_latest_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest_user:
                continue
            seen_latest_user = True
        elif event.get("event") == "bot" and seen_latest_user:
            return (event.get("metadata") or {}).get("utter_action")
    return None


class ActionKindFallback(Action):
    """A kind answer when the bot did not understand; the second time in a row, offer a person.

    Runs for nlu_fallback and out_of_scope (rules) and as the core fallback when no
    rule fits; then the child's message is reverted so a form carries on as before."""

    def name(self) -> str:
        return "action_kind_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if previous_bot_response(tracker) in NOT_UNDERSTOOD:
            dispatcher.utter_message(response="utter_fallback_offer_person")
        elif intent == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_default")
        if intent in ("nlu_fallback", "out_of_scope"):
            return []
        return [UserUtteranceReverted()]
