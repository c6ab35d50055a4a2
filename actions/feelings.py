"""Answers to a child who says how they feel ("I am sad") or worries about speaking up
("will I get in trouble for complaining?").

A feeling gets a warm answer and an offer (a person here, Childline), never a goodbye; a worry
gets an honest answer. Then the way back: inside a form its question comes again (the rules in
data/stories/everywhere.yml run the form after this action), after a safety pause the offer to
carry on, otherwise what they can do next. Whether a feeling is a safeguarding concern is the
detector's decision, not this module's.
"""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.stuck import stuck

# The words a child uses for a feeling, and the word the answer says back ("It's OK to feel sad").
_FEELINGS: tuple[tuple[str, str], ...] = (
    ("sad", r"sad+|down|low|unhappy|miserable|gutted|depressed|crying|cry|tearful|heartbroken|upset"),
    ("lonely", r"lonely|alone|on my own|left out|no ?one likes me|nobody likes me|no friends"),
    ("scared", r"scared|frightened|afraid|terrified|nervous|anxious|panick?(y|ing)?|on edge"),
    ("worried", r"worried|worry|worrying|stressed|stress|stressing"),
    ("angry", r"angry|mad|furious|raging|fuming|pissed off|annoyed|cross|livid|vexed|tilted"),
    ("fed up", r"fed up|sick of (it|everything)|done with (it|everything)|over it"),
    ("homesick", r"homesick|miss (my )?(mum|mam|mom|dad|nan|family|brother|sister|home)"),
    ("bored", r"bored|boring"),
    ("tired", r"tired|exhausted|knackered|can'?t sleep|cant sleep"),
)
_FEELING_PATTERNS = [(word, re.compile(rf"\b({words})\b", re.IGNORECASE)) for word, words in _FEELINGS]

# Said twice in a row, the answer offers a person instead (as actions/outside_forms.py does).
STUCK = "utter_stuck_menu"

# Which worry it is decides which honest answer fits.
_TROUBLE = re.compile(
    r"\b(trouble|angry|mad|punish\w*|sanction\w*|consequence\w*|grounded|moved?|moving|kick(ed)? out|"
    r"take (my|me) (phone|stuff|pocket money)|stop my|get told off|told off|file|record|hate me|"
    r"treat me (worse|different)|get back at|payback)\b",
    re.IGNORECASE,
)
_FOUND_OUT = re.compile(
    r"\b(find out|found out|finding out|know (it'?s|it was|its) me|know who|tell (who|it was)|guess|"
    r"see my name|find me|work out|anonymous|anon|secret|private|recogni[sz]e)\b",
    re.IGNORECASE,
)


def feeling_in(text: str) -> str | None:
    """The feeling a message names, in the words the answer uses ("im proper gutted" -> "sad")."""
    for word, pattern in _FEELING_PATTERNS:
        if pattern.search(text):
            return word
    return None


def worry_answers(text: str) -> list[str]:
    """The responses that answer this worry honestly (both, when it is about both)."""
    answers = []
    if _TROUBLE.search(text):
        answers.append("utter_worry_trouble")
    if _FOUND_OUT.search(text):
        answers.append("utter_worry_found_out")
    return answers or ["utter_worry_general"]


def acknowledge_feeling(dispatcher: CollectingDispatcher, text: str) -> None:
    """Say the feeling was heard ("It's OK to feel sad"), before whatever comes next."""
    feeling = feeling_in(text)
    if feeling:
        dispatcher.utter_message(response="utter_feeling_named", feeling=feeling)
    else:
        dispatcher.utter_message(response="utter_feeling_heard")


def _way_back(dispatcher: CollectingDispatcher, tracker: Tracker, menu: str) -> None:
    """Inside a form the form asks its question next; after a safety pause, the offer to carry on."""
    if tracker.active_loop_name:
        return
    if tracker.get_slot("interrupted_form"):
        dispatcher.utter_message(response="utter_offer_resume")
        return
    dispatcher.utter_message(response=menu)


class ActionAnswerFeeling(Action):
    def name(self) -> str:
        return "action_answer_feeling"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        acknowledge_feeling(dispatcher, tracker.latest_message.get("text") or "")
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_feeling_offer_in_form")
            return []
        dispatcher.utter_message(response="utter_feeling_offer")
        _way_back(dispatcher, tracker, "utter_feeling_what_next")
        return []


class ActionAnswerWorry(Action):
    def name(self) -> str:
        return "action_answer_worry"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if not tracker.active_loop_name and stuck(tracker, STUCK):
            # The same worry again after its answer: a person may help more than the same words.
            dispatcher.utter_message(response=STUCK)
            return []
        for response in worry_answers(tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response=response)
        _way_back(dispatcher, tracker, "utter_worry_what_next")
        return []
