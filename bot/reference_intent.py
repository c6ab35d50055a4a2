"""Rasa 3.6 NLU component: a message with a complaint reference in it is a status check.

The intent classifier learns from words, and a reference or a code is not a word: on the
trained model "CMP-8E8X-T7 M4TV3Y" came out as nlu_fallback, "code M4TV3Y ref CMP-8E8X-T7"
and "my code is 3p5vfm" as lost_code (so a child typing their code was told "That's OK,
it happens" as if they had lost it). A reference (actions/status.py's pattern) anywhere in
the message makes the intent check_status, and so does a code said plainly ("code 3R44J3")
when the classifier thought the code was lost. The status form then reads both from the
message (actions/status.py).

Never overridden: safety and the requests that work at every step, and the three kinds,
so "I want to complain again about CMP-7K4Q-2M" still starts a complaint. Registered last
in config.yml, after the safeguarding detector, which reads the words and not the intent
for a reference; placed there, adding it retrained nothing before it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.status import code_beside_reference, find_reference

STATUS_INTENT = "check_status"
KEEP = frozenset(
    {
        "feel_unsafe",
        "help",
        "stop",
        "restart",
        "talk_to_person",
        "ask_privacy",
        "give_compliment",
        "give_comment",
        "make_complaint",
        "request_advocate",
    }
)


def status_intent(text: str, intent: str | None) -> bool:
    """True when this message should be read as checking on something sent."""
    if intent in KEEP or text.lstrip().startswith("/"):
        return False
    if find_reference(text):
        return True
    return intent == "lost_code" and code_beside_reference(text) is not None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ReferenceIntent(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReferenceIntent:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            if status_intent(message.get(TEXT) or "", intent):
                message.set(INTENT, {"name": STATUS_INTENT, "confidence": 1.0}, add_to_output=True)
        return messages
