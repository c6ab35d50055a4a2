"""A dialogue policy that puts safety before everything else.

Whenever the latest user message was flagged by the safeguarding detector (the
`safeguarding` object the NLU pipeline adds to every parse) or the child tapped
"I don't feel safe", this policy predicts `action_escalate_safeguarding` with
full confidence and a priority above the RulePolicy. It does not depend on the
intent classifier or on any rule or story, so a disclosure made in the middle of
a form, or in a compliment, still interrupts at once.
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
UNSAFE_INTENT = "feel_unsafe"
# Above RulePolicy (6): a safety interruption must win over any rule or form.
PRIORITY = 7
# Default actions that run between a user message and the bot's reply.
_BOOKKEEPING_ACTIONS = {ACTION_LISTEN_NAME, "action_extract_slots", "action_session_start"}


def message_needs_escalation(parse_data: dict[str, Any]) -> bool:
    if (parse_data.get("intent") or {}).get("name") == UNSAFE_INTENT:
        return True
    return bool((parse_data.get("safeguarding") or {}).get("risk"))


def awaiting_reply_to_user(tracker: DialogueStateTracker) -> bool:
    """True when the child has spoken and the bot has not acted on it yet."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in _BOOKKEEPING_ACTIONS:
            return False
    return False


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
        if tracker.latest_action_name == ESCALATE:
            # After the safety message, wait for the child.
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        elif awaiting_reply_to_user(tracker) and message_needs_escalation(tracker.latest_message.parse_data):
            probabilities[domain.index_for_action(ESCALATE)] = 1.0
        else:
            return self._prediction(probabilities)
        # Rasa's ensemble lets "no user" predictions (a form carrying on down its happy
        # path) overrule everything else, whatever the priority. A safety interruption
        # must beat a form, so it competes in that class, where priority decides.
        return self._prediction(probabilities, is_no_user_prediction=True)
