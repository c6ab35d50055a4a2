"""Actions for giving a compliment, a comment or a complaint."""

from __future__ import annotations

import re
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.anonymity import AnonymityAnswers, identity_statement
from actions.backend_client import BackendClient, BackendRejectedError, BackendUnavailableError
from actions.conversation_context import ANONYMOUS_SENT_SLOT, home_of
from actions.feelings import acknowledge_feeling
from actions.outbox import SUBMISSION, Outbox
from actions.sealed import seal
from actions.stuck import StuckHelp
from actions.turn_keys import turn_key

KIND_BY_INTENT = {
    "make_complaint": "complaint",
    "give_comment": "comment",
    "give_compliment": "compliment",
}

KIND_WORDS = {"complaint": "a complaint", "comment": "a comment", "compliment": "a thank you"}

FEEDBACK_SLOTS = (
    "kind",
    "kind_confirmed",
    "what_happened",
    "anything_else",
    "extra_point",
    "desired_outcome",
    "about_whom",
    "anonymous",
    "first_name",
    "submit_confirmed",
)

# Openers that say which kind it is but nothing about what happened.
_OPENERS = re.compile(
    r"^\s*(hi|hello|hey)?[\s,!]*(i\s+(want|wanna|would like|need)\s+to\s+"
    r"(make\s+a\s+complaint|complain|say\s+thank\s*(you|s)|give\s+a\s+compliment|share\s+an\s+idea|"
    r"make\s+a\s+comment|suggest\s+something)(\s+about)?|i\s+have\s+an\s+idea|complaint|compliment|comment)"
    r"[\s,.:;!-]*",
    re.IGNORECASE,
)
# "I don't want to complain, I just want it sorted": says which route, not what happened.
_INFORMAL_ROUTE = re.compile(
    r"^\s*(i\s+)?(do\s*n[o']?t|dont|do not)\s+(want|wanna)\s+to\s+(make\s+a\s+)?(formal\s+)?complain(t)?"
    r"([\s,.;!-]*(i\s+)?(just\s+)?(want|need)\s+(it|this|things?)\s+(sorted|fixed|sorting\s+out|to\s+change))?"
    r"[\s,.;!-]*",
    re.IGNORECASE,
)
MIN_WORDS_TO_KEEP = 3
MAX_TEXT = 5000


def description_in(text: str) -> str | None:
    """The child's first message, if it already says what happened."""
    rest = _INFORMAL_ROUTE.sub("", _OPENERS.sub("", text, count=1), count=1)
    if text.startswith("/") or len(rest.split()) < MIN_WORDS_TO_KEEP:
        return None
    return text.strip()


def chosen_kind(tracker: Tracker) -> str | None:
    """The kind named in the latest message ("/choose_kind{"kind": "comment"}" or "it's a comment")."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "kind" and entity.get("value") in KIND_WORDS:
            return str(entity["value"])
    return None


class ActionStartFeedback(Action):
    """Sets the kind from what the child said, and keeps their words if they
    already told us what happened, so we do not ask twice."""

    def name(self) -> str:
        return "action_start_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        events: list[EventType] = [SlotSet(slot, None) for slot in FEEDBACK_SLOTS if slot != "kind"]
        # A new piece of feedback: an old "would you like an advocate?" no longer waits for a yes.
        events.append(SlotSet("advocate_offered", None))
        if intent in KIND_BY_INTENT:
            events.append(SlotSet("kind", KIND_BY_INTENT[intent]))
        elif intent == "choose_kind" and chosen_kind(tracker):
            # Tapped (or typed) a kind: that is the confirmation.
            events += [SlotSet("kind", chosen_kind(tracker)), SlotSet("kind_confirmed", True)]
        else:
            # Not sure which kind ("something about staff"): the form explains the three and asks.
            events.append(SlotSet("kind", None))
            return events
        description = description_in(tracker.latest_message.get("text") or "")
        if description:
            events.append(SlotSet("what_happened", description[:MAX_TEXT]))
        return events


class ValidateFeedbackForm(StuckHelp, AnonymityAnswers, FormValidationAction):
    # "Keep it anonymous" or "my name is Sam" at any question of the form is remembered.
    identity_anywhere = True

    def name(self) -> str:
        return "validate_feedback_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        kind = tracker.get_slot("kind")
        slots = ["kind", "kind_confirmed", "what_happened"]
        if kind == "complaint":
            # A complaint can have more than one thing in it.
            slots.append("anything_else")
            if tracker.get_slot("anything_else") or tracker.get_slot("extra_point"):
                slots.append("extra_point")
        slots.append("about_whom" if kind == "compliment" else "desired_outcome")
        slots.append("anonymous")
        if tracker.get_slot("anonymous") is False:
            slots.append("first_name")
        slots.append("submit_confirmed")
        return slots

    async def extract_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "kind" and _intent(tracker) == "dont_know":
            # "I don't know" which kind: explain again (an unfilled slot, so the form asks again).
            dispatcher.utter_message(response="utter_kinds_again")
            return {"kind": None}
        return {}

    async def extract_kind_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # "It's a complaint" typed instead of tapped: naming the kind is choosing it (the button
        # /choose_kind is mapped in the domain; a typed kind is one of the main intents).
        asked = tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        if asked in ("kind", "kind_confirmed") and not text.startswith("/") and chosen_kind(tracker):
            if _intent(tracker) in KIND_BY_INTENT or len(text.split()) <= MIN_WORDS_TO_KEEP:
                return {"kind_confirmed": True}
        return {}

    async def extract_submit_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "submit_confirmed" and _intent(tracker) == "dont_know":
            # Not sure whether to send it: nothing is sent, and the choice is still theirs.
            dispatcher.utter_message(response="utter_not_sure_to_send")
            return {"submit_confirmed": None}
        return {}

    def validate_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"kind": value if value in KIND_WORDS else None}

    def validate_kind_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False:
            # "No": ask which kind it is instead.
            return {"kind_confirmed": None, "kind": None}
        return {"kind_confirmed": value}

    def _free_text(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker | None = None
    ) -> dict[str, Any]:
        text = (value or "").strip() if isinstance(value, str) else ""
        if not text or text.startswith("/"):
            return {slot: None}
        if tracker is not None and _is_identity_statement(tracker, text):
            # "Keep it anonymous" is not what happened: extract_anonymous noted it; ask again.
            return {slot: None}
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(response="utter_text_too_long")
            return {slot: None}
        if tracker is not None and _intent(tracker) == "share_feeling":
            # "I'm sad cos they took my phone" answers the question and says how they feel: both heard.
            acknowledge_feeling(dispatcher, text)
        return {slot: text}

    def validate_what_happened(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._free_text("what_happened", value, dispatcher, tracker)

    def validate_anything_else(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"anything_else": value if isinstance(value, bool) else None}

    def validate_extra_point(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._free_text("extra_point", value, dispatcher, tracker)["extra_point"]
        if text is None:
            return {"extra_point": None}
        combined = add_point(tracker.get_slot("what_happened") or "", text)
        if len(combined) > MAX_TEXT:
            dispatcher.utter_message(response="utter_text_too_long")
            return {"extra_point": None}
        # Ask "anything else?" again: the child can add as many things as they need.
        return {"what_happened": combined, "extra_point": None, "anything_else": None}

    def validate_desired_outcome(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._free_text("desired_outcome", value, dispatcher, tracker)

    def validate_about_whom(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._free_text("about_whom", value, dispatcher, tracker)

    def validate_submit_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False:
            dispatcher.utter_message(response="utter_start_over")
            return {slot: None for slot in FEEDBACK_SLOTS if slot != "kind"}
        return {"submit_confirmed": value}


def _intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def _is_identity_statement(tracker: Tracker, text: str) -> bool:
    """The free-text answer is the child's latest message, and that message said who they want to be."""
    latest = (tracker.latest_message.get("text") or "").strip()
    return text == latest and identity_statement(text, _intent(tracker), free_text=True) is not None


_POINT = re.compile(r"^(\d+)\. ", re.MULTILINE)


def add_point(what_happened: str, extra: str) -> str:
    """Append one more thing as a numbered point: "1. ...\n2. ..."."""
    numbers = [int(n) for n in _POINT.findall(what_happened)]
    if not numbers or not what_happened.startswith("1. "):
        return f"1. {what_happened.strip()}\n2. {extra.strip()}"
    return f"{what_happened.rstrip()}\n{max(numbers) + 1}. {extra.strip()}"


def summary_text(tracker: Tracker) -> str:
    kind = tracker.get_slot("kind") or "complaint"
    lines = [f"Here's what I'll send. It's {KIND_WORDS.get(kind, kind)}."]
    what = tracker.get_slot("what_happened") or ""
    if "\n" in what:
        lines.append(f"What you told me:\n{what}")
    else:
        lines.append(f'What you told me: "{what}"')
    if kind == "compliment":
        lines.append(f"Who it's about: {tracker.get_slot('about_whom')}")
    else:
        lines.append(f"What you'd like to happen: {tracker.get_slot('desired_outcome')}")
    if tracker.get_slot("anonymous"):
        lines.append("Your name: not included (anonymous)")
    else:
        lines.append(f"Your name: {tracker.get_slot('first_name')}")
    lines.append("Shall I send it?")
    return "\n".join(lines)


class ActionAskSubmitConfirmed(Action):
    """Reads everything back before anything is sent."""

    def name(self) -> str:
        return "action_ask_submit_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(
            text=summary_text(tracker),
            buttons=[
                {"title": "Yes, send it", "payload": "/affirm"},
                {"title": "No, start again", "payload": "/deny"},
            ],
        )
        return []


def receipt_text(reference: str, access_code: str, what_happens_next: str, kind: str, anonymous: bool) -> str:
    """The reference and code, and what happens next in the backend's words, with its real dates
    (backend/casework: the step table is the one place a timescale is written)."""
    text = (
        f"Thank you. I've sent it.\n"
        f"Your reference is {reference} and your code is {access_code}. "
        "Write them down or take a photo. You need both to check how it's going.\n"
        f"{what_happens_next}"
    )
    if anonymous and kind != "compliment":
        text += "\nAs it's anonymous, nobody will reply to you in person. Use your code to check."
    return text


class ActionSubmitFeedback(Action):
    def name(self) -> str:
        return "action_submit_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not tracker.get_slot("submit_confirmed") or not tracker.get_slot("what_happened"):
            if tracker.latest_message.get("intent", {}).get("name") == "try_again":
                dispatcher.utter_message(response="utter_nothing_to_send")
            return []
        kind = tracker.get_slot("kind")
        anonymous = bool(tracker.get_slot("anonymous"))
        payload = {
            "kind": kind,
            "what_happened": tracker.get_slot("what_happened"),
            "desired_outcome": tracker.get_slot("desired_outcome") if kind != "compliment" else None,
            "about_whom": tracker.get_slot("about_whom") if kind == "compliment" else None,
            "anonymous": anonymous,
            "first_name": None if anonymous else tracker.get_slot("first_name"),
            "home": home_of(tracker),
            # Only named submissions may be linked back to the conversation.
            "conversation_id": None if anonymous else tracker.sender_id,
            "idempotency_key": tracker.get_slot("submission_key") or turn_key(tracker, "submission"),
        }
        try:
            receipt = await BackendClient().create_submission(payload)
        except BackendUnavailableError:
            # Kept in the durable outbox and sent by itself once the backend is back; "Try again"
            # later sends the same key and gets the same record's reference with a fresh code.
            Outbox.from_env().put(payload, SUBMISSION)
            dispatcher.utter_message(response="utter_submit_queued")
            return [SlotSet("submission_pending", True), SlotSet("submission_key", payload["idempotency_key"])]
        except BackendRejectedError:
            dispatcher.utter_message(response="utter_submit_failed")
            # Keep every slot and the key, so "Try again" re-sends the same thing, once.
            return [SlotSet("submission_pending", True), SlotSet("submission_key", payload["idempotency_key"])]
        dispatcher.utter_message(
            text=receipt_text(receipt.reference, receipt.access_code, receipt.what_happens_next, kind, anonymous)
        )
        events: list[EventType] = [
            *(SlotSet(slot, None) for slot in FEEDBACK_SLOTS),
            SlotSet("submission_pending", None),
            SlotSet("submission_key", None),
        ]
        if anonymous:
            # Marks where the anonymous part of the conversation ends (see after_anonymous_part).
            events.append(SlotSet(ANONYMOUS_SENT_SLOT, time.time()))
        if kind == "complaint" or tracker.get_slot("advocate_wanted"):
            # Every complaint is followed by the offer of an advocate (a right in law).
            dispatcher.utter_message(response="utter_offer_advocate")
            linked = kind == "complaint"
            events += [
                SlotSet("advocate_offered", True),
                SlotSet("advocate_wanted", None),
                # Sealed: the stored conversation must not show which submission it made.
                SlotSet("last_reference", seal(receipt.reference) if linked else None),
                SlotSet("last_anonymous", anonymous if linked else None),
                SlotSet("last_first_name", payload["first_name"] if linked else None),
            ]
        return events
