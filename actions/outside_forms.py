"""Answers to "my name is Sam", "anonymous" and "I don't know" when no question is waiting.

A child types these at the greeting, after something was sent, after stopping, or after a
safety message paused what they were doing. Each gets a short kind answer and what they can
do next, never "Sorry, I didn't quite get that". Said twice in a row, the answer offers a
person instead (and the time after, the first answer again), so nothing repeats unchanged.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.advocacy import ADVOCATE_SLOTS
from actions.stuck import stuck

STUCK = "utter_stuck_menu"
# The answer on its own, and the shorter one put before "shall we carry on?" after a safety pause.
ANSWERS = {
    "stay_anonymous": ("utter_anonymous_any_time", "utter_anonymous_noted"),
    "use_my_name": ("utter_name_when_needed", "utter_name_later"),
    "dont_know": ("utter_not_sure_what_to_do", "utter_that_is_ok"),
}


class ActionOutsideAFlow(Action):
    def name(self) -> str:
        return "action_answer_outside_a_flow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        alone, before_resume = ANSWERS.get(intent or "", ANSWERS["dont_know"])
        if stuck(tracker, STUCK):
            dispatcher.utter_message(response=STUCK)
            return []
        if tracker.get_slot("advocate_offered"):
            if intent == "dont_know":
                # Not sure about an advocate: no need to decide now, and how to ask later.
                dispatcher.utter_message(response="utter_advocate_not_sure")
                return [SlotSet(slot, None) for slot in ADVOCATE_SLOTS]
            dispatcher.utter_message(response="utter_advocate_either_way")
            dispatcher.utter_message(response="utter_offer_advocate")
            return []
        if tracker.get_slot("interrupted_form"):
            dispatcher.utter_message(response=before_resume)
            dispatcher.utter_message(response="utter_offer_resume")
            return []
        dispatcher.utter_message(response=alone)
        return []
