"""Actions for asking for an advocate: after a complaint, or at any time on their own."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.anonymity import AnonymityAnswers, means_anonymous
from actions.backend_client import BackendClient, BackendRejectedError, BackendUnavailableError
from actions.conversation_context import EVERYWHERE_INTENTS, home_of
from actions.sealed import unseal
from actions.stuck import StuckHelp

# Everything the offer and the request leave behind; emptied once it is answered.
ADVOCATE_SLOTS = (
    "advocate_offered",
    "advocate_wanted",
    "advocate_consent",
    "last_reference",
    "last_anonymous",
    "last_first_name",
    "anonymous",
    "first_name",
)


def _clear() -> list[EventType]:
    return [SlotSet(slot, None) for slot in ADVOCATE_SLOTS]


class ActionDeclineAdvocate(Action):
    """The child said no to the advocate offer."""

    def name(self) -> str:
        return "action_decline_advocate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_no_advocate")
        return _clear()


class ActionNoteAdvocateWanted(Action):
    """Asked for an advocate in the middle of giving feedback: offer one once it is sent."""

    def name(self) -> str:
        return "action_note_advocate_wanted"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_advocate_after_feedback")
        return [SlotSet("advocate_wanted", True)]


class ValidateAdvocateForm(StuckHelp, AnonymityAnswers, FormValidationAction):
    def name(self) -> str:
        return "validate_advocate_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.get_slot("last_reference"):
            # Right after a complaint: who they are was already chosen; ask only about sharing it.
            return ["advocate_consent"]
        slots = ["anonymous"]
        if tracker.get_slot("anonymous") is False:
            slots.append("first_name")
        return slots

    async def extract_advocate_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "advocate_consent":
            return {}
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        intent = (message.get("intent") or {}).get("name")
        if text.startswith("/") or intent in EVERYWHERE_INTENTS:
            return {}
        if intent in ("dont_know", "stay_anonymous") or means_anonymous(text):
            # Not sure, or "keep it anonymous": the private choice, said out loud.
            dispatcher.utter_message(response="utter_consent_kept_private")
            return {"advocate_consent": False}
        if intent == "use_my_name":
            # The complaint already says whether it has a name; the question stays.
            dispatcher.utter_message(response="utter_consent_name_not_needed")
            return {"advocate_consent": None}
        return {}

    def validate_advocate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"advocate_consent": value if isinstance(value, bool) else None}


def advocacy_payload(tracker: Tracker) -> dict[str, Any]:
    reference = unseal(tracker.get_slot("last_reference"))
    if reference:
        anonymous = bool(tracker.get_slot("last_anonymous"))
        first_name = tracker.get_slot("last_first_name")
    else:
        anonymous = tracker.get_slot("anonymous") is not False
        first_name = tracker.get_slot("first_name")
    return {
        "home": home_of(tracker),
        "reference": reference,
        "anonymous": anonymous,
        "first_name": None if anonymous else first_name,
        # Without a complaint there is nothing to share.
        "consent_to_share": bool(reference and tracker.get_slot("advocate_consent")),
        # Only a named request may be linked back to this conversation.
        "conversation_id": None if anonymous else tracker.sender_id,
    }


class ActionRequestAdvocate(Action):
    """Records the request and tells the child honestly who is told, and what happens next."""

    def name(self) -> str:
        return "action_request_advocate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payload = advocacy_payload(tracker)
        try:
            receipt = await BackendClient().create_advocacy_request(payload)
        except (BackendUnavailableError, BackendRejectedError):
            dispatcher.utter_message(response="utter_advocate_failed")
            # Keep the complaint link so "Try again" sends the same request.
            return [SlotSet("advocate_consent", None), SlotSet("anonymous", None), SlotSet("first_name", None)]
        # The backend's words say whether the provider is really being told, or staff will pass it on.
        dispatcher.utter_message(text=f"Done. I've saved your request for an advocate.\n{receipt.what_happens_next}")
        return _clear()
