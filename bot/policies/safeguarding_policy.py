"""A dialogue policy that puts safety before everything else.

It reads the `safeguarding` object the NLU pipeline adds to every parse (the
detector, with the conversation before the message) and, at a priority above
the RulePolicy:

- level "risk", or the child tapped "I don't feel safe": `action_escalate_safeguarding`
  (a live alert, the child is told who is being told);
- level "concern": `action_safeguarding_check_in` (a gentle "are you OK?", a concern
  for a person to review);
- the answer to a check-in: "yes", "I don't feel safe", "talk to a person" or anything
  worrying escalates at once; "I'm OK" / "no" carries on where the child was.

It does not depend on the intent classifier, rules or stories, so a disclosure in the
middle of a form, or in a compliment, still interrupts at once.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

ESCALATE = "action_escalate_safeguarding"
CHECK_IN = "action_safeguarding_check_in"
AFTER_CHECK_IN = "action_after_check_in"
UNSAFE_INTENT = "feel_unsafe"
# Answers to "would you like to talk to someone about it?" that mean yes.
WANTS_SOMEONE = {"affirm", UNSAFE_INTENT, "talk_to_person"}
# Answers that mean "I'm OK, carry on". "I don't know" too: the concern is already with a
# person, and the carry-on message says how to ask for someone later.
IS_OK = {"deny", "im_ok", "resume_form", "dont_know"}
# Above RulePolicy (6): a safety interruption must win over any rule or form.
PRIORITY = 7
# Default actions that run between a user message and the bot's reply.
_BOOKKEEPING_ACTIONS = {ACTION_LISTEN_NAME, "action_extract_slots", "action_session_start"}


def level_of(parse_data: dict[str, Any]) -> str:
    """ "risk", "concern" or "none" for one parsed message."""
    if (parse_data.get("intent") or {}).get("name") == UNSAFE_INTENT:
        return "risk"
    flag = parse_data.get("safeguarding") or {}
    if flag.get("risk"):
        return "risk"
    return "concern" if flag.get("level") == "concern" else "none"


def message_needs_escalation(parse_data: dict[str, Any]) -> bool:
    return level_of(parse_data) == "risk"


def awaiting_reply_to_user(tracker: DialogueStateTracker) -> bool:
    """True when the child has spoken and the bot has not acted on it yet."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in _BOOKKEEPING_ACTIONS:
            return False
    return False


def answering_check_in(tracker: DialogueStateTracker) -> bool:
    """True when the bot's last act before the child's latest message was a check-in."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return False
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted) and event.action_name not in _BOOKKEEPING_ACTIONS:
            return event.action_name == CHECK_IN
    return False


def safety_action(tracker: DialogueStateTracker) -> str | None:
    """What safety needs done about the child's latest message, if anything."""
    parse_data = tracker.latest_message.parse_data if tracker.latest_message else {}
    level = level_of(parse_data)
    if level == "risk":
        return ESCALATE
    if answering_check_in(tracker):
        intent = (parse_data.get("intent") or {}).get("name")
        if intent in WANTS_SOMEONE or level == "concern":
            return ESCALATE
        if intent in IS_OK:
            return AFTER_CHECK_IN
        return None  # something else (a question, a new topic): the other policies answer it
    return CHECK_IN if level == "concern" else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SafeguardingPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": PRIORITY}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the decision is made from the NLU result alone.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = safety_action(tracker) if awaiting_reply_to_user(tracker) else None
        if tracker.latest_action_name in (ESCALATE, CHECK_IN):
            # After the safety message or the check-in question, wait for the child.
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        else:
            return self._prediction(probabilities)
        # Rasa's ensemble lets "no user" predictions (a form carrying on down its happy
        # path) overrule everything else, whatever the priority. A safety interruption
        # must beat a form, so it competes in that class, where priority decides.
        return self._prediction(probabilities, is_no_user_prediction=True)
