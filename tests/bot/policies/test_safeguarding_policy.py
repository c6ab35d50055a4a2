"""The safeguarding policy interrupts anything when a message is flagged, and checks in when unsure."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.safeguarding_policy import AFTER_CHECK_IN, CHECK_IN, ESCALATE, SafeguardingPolicy

DOMAIN = Domain.load("domain")


@pytest.fixture
def policy(tmp_path: Path) -> SafeguardingPolicy:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    return SafeguardingPolicy.create(
        SafeguardingPolicy.get_default_config(), storage, Resource("safeguarding_policy"), context
    )


def _tracker(parse: dict, in_form: bool = False) -> DialogueStateTracker:
    events = [ActionExecuted(ACTION_LISTEN_NAME)]
    if in_form:
        events += [ActionExecuted("feedback_form"), ActiveLoop("feedback_form"), BotUttered("What happened?")]
        events += [ActionExecuted(ACTION_LISTEN_NAME)]
    events += [UserUttered(parse["text"], intent=parse["intent"], parse_data=parse)]
    return DialogueStateTracker.from_events("child", events, slots=DOMAIN.slots)


def _predicted(policy: SafeguardingPolicy, tracker: DialogueStateTracker) -> str | None:
    prediction = policy.predict_action_probabilities(tracker, DOMAIN)
    best = max(prediction.probabilities)
    return DOMAIN.action_names_or_texts[prediction.probabilities.index(best)] if best > 0 else None


def _parse(text: str, intent: str, risk: bool, level: str | None = None) -> dict:
    level = level or ("risk" if risk else "none")
    flagged = level != "none"
    flag = {
        "risk": risk,
        "level": level,
        "category": "physical_abuse" if flagged else None,
        "severity": ("high" if risk else "medium") if flagged else None,
        "matched": [],
    }
    return {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [], "safeguarding": flag}


def _answer_to_check_in(text: str, intent: str, level: str = "none") -> DialogueStateTracker:
    tracker = _tracker(_parse("stuff happens here at night", "give_comment", risk=False, level="concern"))
    tracker.update(ActionExecuted(CHECK_IN))
    tracker.update(BotUttered("I just want to check you're OK."))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    parse = _parse(text, intent, risk=level == "risk", level=level)
    tracker.update(UserUttered(text, intent=parse["intent"], parse_data=parse))
    return tracker


def test_flagged_message_inside_a_form_escalates_with_top_priority(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("he hit me again", "make_complaint", risk=True), in_form=True)
    assert _predicted(policy, tracker) == ESCALATE
    assert policy.priority > 6  # above RulePolicy, which runs forms


def test_unflagged_message_is_left_to_the_other_policies(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("this homework is killing me lol", "give_comment", risk=False), in_form=True)
    assert _predicted(policy, tracker) is None


def test_the_unsafe_button_escalates_without_the_detector(policy: SafeguardingPolicy) -> None:
    tracker = _tracker({"text": "/feel_unsafe", "intent": {"name": "feel_unsafe", "confidence": 1.0}, "entities": []})
    assert _predicted(policy, tracker) == ESCALATE


def test_after_escalating_the_bot_waits_for_the_child(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("he hit me", "make_complaint", risk=True))
    tracker.update(ActionExecuted(ESCALATE))
    assert _predicted(policy, tracker) == ACTION_LISTEN_NAME


def test_escalation_beats_a_form_carrying_on_in_rasas_own_ensemble(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("he hit me again", "make_complaint", risk=True), in_form=True)
    ours = policy.predict_action_probabilities(tracker, DOMAIN)
    # What RulePolicy predicts when the message filled the form's slot: keep running the form.
    form_probabilities = [0.0] * len(DOMAIN.action_names_or_texts)
    form_probabilities[DOMAIN.index_for_action("feedback_form")] = 1.0
    form = PolicyPrediction(form_probabilities, "RulePolicy", 6, is_no_user_prediction=True)
    best = DefaultPolicyPredictionEnsemble._pick_best_policy([form, ours])
    assert best.policy_name == "SafeguardingPolicy"
    assert DOMAIN.action_names_or_texts[best.max_confidence_index] == ESCALATE


def test_a_concern_gets_a_gentle_check_in_even_inside_a_form(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("something happened and i cant say", "give_comment", False, "concern"), in_form=True)
    assert _predicted(policy, tracker) == CHECK_IN


def test_after_the_check_in_the_bot_waits_for_the_child(policy: SafeguardingPolicy) -> None:
    tracker = _tracker(_parse("something happened and i cant say", "give_comment", False, "concern"))
    tracker.update(ActionExecuted(CHECK_IN))
    assert _predicted(policy, tracker) == ACTION_LISTEN_NAME


@pytest.mark.parametrize(
    ("text", "intent", "level"),
    [
        ("yes", "affirm", "none"),
        ("/talk_to_person", "talk_to_person", "none"),
        ("/feel_unsafe", "feel_unsafe", "none"),
        ("he said not to tell anyone", "give_comment", "concern"),
    ],
)
def test_a_yes_or_a_worrying_answer_to_the_check_in_escalates(
    policy: SafeguardingPolicy, text: str, intent: str, level: str
) -> None:
    assert _predicted(policy, _answer_to_check_in(text, intent, level)) == ESCALATE


@pytest.mark.parametrize(("text", "intent"), [("no im fine", "deny"), ("/im_ok", "im_ok")])
def test_im_ok_carries_on(policy: SafeguardingPolicy, text: str, intent: str) -> None:
    assert _predicted(policy, _answer_to_check_in(text, intent)) == AFTER_CHECK_IN


def test_another_question_after_the_check_in_is_left_to_the_other_policies(policy: SafeguardingPolicy) -> None:
    assert _predicted(policy, _answer_to_check_in("who reads this", "ask_privacy")) is None
