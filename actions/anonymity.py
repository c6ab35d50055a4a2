"""Anonymous or named: what the child's answer at "Do you want to say who you are?" and
"What's your first name?" means, for the feedback form and the advocate form alike.

A child may change their mind at the name question, type "anonymous" instead of tapping,
or not know what to say. None of that may end in "Sorry, I didn't quite get that", and
none of it may turn the word "anonymous" into a name.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation_context import EVERYWHERE_INTENTS

NAME_QUESTIONS = frozenset({"anonymous", "first_name"})
# Questions answered in the child's own words: only a short message that is about who they
# are ("keep it anonymous", "my name is Sam") is taken as that, never a description.
FREE_TEXT_QUESTIONS = frozenset({"what_happened", "extra_point", "desired_outcome", "about_whom"})
MAX_STATEMENT_WORDS = 6

_NEGATION = r"(do\s*n[o']?t|dont|not|rather\s+not|never|no)"
_ANONYMOUS = re.compile(
    r"\b(anon\w*|"
    rf"{_NEGATION}\s+(want\s+to\s+|wanna\s+|like\s+to\s+)?(say|give|tell|use|put|share|add)\s+(you\s+)?(my\s+|a\s+)?name|"
    r"(no|without)\s+(my\s+)?name|rather\s+not\s+say|keep\s+it\s+(secret|private)|nobody\s+(to\s+)?know)\b",
    re.IGNORECASE,
)
_NOT_SURE = re.compile(r"\b(i\s+)?(do\s*n[o']?t|dont|dunno|not\s+sure|no\s+idea)(\s+know)?\b", re.IGNORECASE)


_NAME = re.compile(r"^[^\W\d_][^\W\d_'\- ]{0,38}$")
_NAME_PREFIX = re.compile(r"^(my name is|my name's|i'm|im|i am|it's|its|call me)\s+", re.IGNORECASE)


def clean_first_name(text: str) -> str | None:
    """'my name is sam' -> 'Sam'; None if it does not look like one first name."""
    candidate = _NAME_PREFIX.sub("", text.strip()).strip(" .!")
    if not candidate or " " in candidate or not _NAME.match(candidate):
        return None
    return candidate[:1].upper() + candidate[1:]


def means_anonymous(text: str) -> bool:
    """'keep it anonymous', 'anon', 'I don't want to give my name' -> True."""
    return bool(_ANONYMOUS.search(text))


def means_not_sure(text: str, intent: str | None) -> bool:
    return intent == "dont_know" or bool(_NOT_SURE.fullmatch(text.strip(" .!?")))


def identity_statement(text: str, intent: str | None, free_text: bool) -> tuple[bool, str | None] | None:
    """(anonymous?, first name) when the message says who the child wants to be, else None.

    At a question answered in words, only a short message counts, and anonymity only when
    the words say it: "my anonymous complaint was ignored" is an answer, not a choice.
    """
    if free_text and len(text.split()) > MAX_STATEMENT_WORDS:
        return None
    if means_anonymous(text) or (not free_text and intent == "stay_anonymous"):
        return True, None
    if intent == "use_my_name":
        name = clean_first_name(text)
        if name or not free_text:
            return False, name
    return None


def _answer(tracker: Tracker) -> tuple[str, str | None]:
    """The child's words and intent, or ("", None) when they tapped a button or asked for something else."""
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    intent = (message.get("intent") or {}).get("name")
    if not text or text.startswith("/") or intent in EVERYWHERE_INTENTS:
        return "", None
    return text, intent


class AnonymityAnswers:
    """Mixin for a FormValidationAction whose form asks `anonymous`, then `first_name` if named.

    The domain maps the buttons (stay_anonymous, use_my_name) at both questions; this
    reads words the classifier did not map, and keeps the two slots consistent. With
    `identity_anywhere`, "keep it anonymous" or "my name is Sam" said at any other question
    of the form is remembered (and the question asked again) instead of not understood.
    """

    identity_anywhere = False

    async def extract_anonymous(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot")
        text, intent = _answer(tracker)
        if not text or asked is None:
            return {}
        if asked not in NAME_QUESTIONS:
            return self._said_before_asked(dispatcher, text, intent, asked) if self.identity_anywhere else {}
        if means_anonymous(text):
            return {"anonymous": True}
        if asked == "anonymous" and means_not_sure(text, intent):
            # Not sure whether to say who they are: the safer choice, said out loud (the summary shows it too).
            dispatcher.utter_message(response="utter_not_sure_so_anonymous")
            return {"anonymous": True}
        return {}

    def _said_before_asked(
        self, dispatcher: CollectingDispatcher, text: str, intent: str | None, asked: str
    ) -> dict[str, Any]:
        statement = identity_statement(text, intent, free_text=asked in FREE_TEXT_QUESTIONS)
        if statement is None:
            return {}
        anonymous, name = statement
        if anonymous:
            dispatcher.utter_message(response="utter_anonymous_noted")
            return {"anonymous": True}
        if name:
            dispatcher.utter_message(response="utter_name_noted", first_name=name)
            return {"anonymous": False, "first_name": name}
        dispatcher.utter_message(response="utter_name_later")
        return {"anonymous": False}

    def validate_anonymous(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            # Changed their mind at the name question: nothing typed there may stay as a name.
            return {"anonymous": True, "first_name": None}
        return {"anonymous": value if isinstance(value, bool) else None}

    def validate_first_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = value if isinstance(value, str) else ""
        if tracker.get_slot("anonymous") is True or means_anonymous(text):
            return {"first_name": None, "anonymous": True}
        if means_not_sure(text, (tracker.latest_message.get("intent") or {}).get("name")):
            # Back to the choice, which explains both ways again, instead of asking for a name again.
            dispatcher.utter_message(response="utter_name_not_sure")
            return {"first_name": None, "anonymous": None}
        name = clean_first_name(text)
        if name is None:
            dispatcher.utter_message(response="utter_first_name_invalid")
        return {"first_name": name}
