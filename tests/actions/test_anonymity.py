"""Anonymous or named, whatever the child types and wherever: the form's validation as Rasa calls it."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import FormValidationAction
from rasa_sdk.executor import CollectingDispatcher

from actions.advocacy import ValidateAdvocateForm
from actions.anonymity import identity_statement, means_anonymous
from actions.feedback import FEEDBACK_SLOTS, ValidateFeedbackForm
from tests.actions.conftest import make_tracker

DOMAIN = {
    "forms": {
        "feedback_form": {"required_slots": list(FEEDBACK_SLOTS)},
        "advocate_form": {"required_slots": ["advocate_consent", "anonymous", "first_name"]},
    }
}
COMPLAINT_SO_FAR = {"kind": "complaint", "kind_confirmed": True, "what_happened": "The wifi is broken"}


async def _answer(
    action: FormValidationAction,
    asked: str,
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    extracted: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """What the form's validation sets, and the responses it sends, for one message."""
    tracker = make_tracker({**(slots or {}), "requested_slot": asked, **(extracted or {})}, text=text, intent=intent)
    tracker.events += [{"event": "slot", "name": k, "value": v} for k, v in (extracted or {}).items()]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    slots_set = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots_set, [m.get("response") for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("text", "intent", "extracted"),
    [
        ("/stay_anonymous", "stay_anonymous", {"anonymous": True}),  # the button, mapped by the domain
        ("anonymous", "stay_anonymous", {"anonymous": True}),
        ("actually keep it anonymous", "nlu_fallback", {"first_name": "actually keep it anonymous"}),
        ("anon pls", "affirm", {"first_name": "anon pls"}),
        ("i dont want to give my name", "deny", {"first_name": "i dont want to give my name"}),
    ],
)
async def test_changing_their_mind_at_the_name_question_ends_anonymous(
    text: str, intent: str, extracted: dict[str, Any]
) -> None:
    named = {**COMPLAINT_SO_FAR, "anything_else": False, "desired_outcome": "fix it", "anonymous": False}

    slots, said = await _answer(ValidateFeedbackForm(), "first_name", text, intent, named, extracted)

    assert slots["anonymous"] is True
    assert slots.get("first_name") is None  # "anonymous" never becomes a name
    assert slots["requested_slot"] == "submit_confirmed"
    assert "utter_first_name_invalid" not in said


async def test_i_dont_know_at_the_name_question_goes_back_to_the_choice() -> None:
    named = {**COMPLAINT_SO_FAR, "anything_else": False, "desired_outcome": "fix it", "anonymous": False}

    slots, said = await _answer(
        ValidateFeedbackForm(), "first_name", "I don't know", "dont_know", named, {"first_name": "I don't know"}
    )

    assert slots["anonymous"] is None and slots["first_name"] is None
    assert slots["requested_slot"] == "anonymous"
    assert said == ["utter_name_not_sure"]


@pytest.mark.parametrize("action", [ValidateFeedbackForm(), ValidateAdvocateForm()])
async def test_not_sure_whether_to_say_who_they_are_is_anonymous_and_said_so(action: FormValidationAction) -> None:
    slots, said = await _answer(action, "anonymous", "dunno", "dont_know", {**COMPLAINT_SO_FAR, "anything_else": False})

    assert slots["anonymous"] is True
    assert said[0] == "utter_not_sure_so_anonymous"


async def test_keep_it_anonymous_said_early_is_remembered_and_the_question_asked_again() -> None:
    slots, said = await _answer(
        ValidateFeedbackForm(), "kind_confirmed", "anonymous", "stay_anonymous", {"kind": "complaint"}
    )

    assert slots["anonymous"] is True
    assert slots["requested_slot"] == "kind_confirmed"
    assert said == ["utter_anonymous_noted"]


async def test_a_name_said_early_is_remembered_and_not_taken_as_what_happened() -> None:
    slots, said = await _answer(
        ValidateFeedbackForm(),
        "what_happened",
        "my name is Sam",
        "use_my_name",
        {"kind": "complaint", "kind_confirmed": True},
        {"what_happened": "my name is Sam"},
    )

    assert slots["what_happened"] is None
    assert slots["anonymous"] is False and slots["first_name"] == "Sam"
    assert slots["requested_slot"] == "what_happened"
    assert said == ["utter_name_noted"]


async def test_a_description_that_mentions_anonymity_stays_a_description() -> None:
    text = "the manager read my anonymous complaint out loud at dinner"
    slots, _ = await _answer(
        ValidateFeedbackForm(),
        "what_happened",
        text,
        "make_complaint",
        {"kind": "complaint", "kind_confirmed": True},
        {"what_happened": text},
    )

    assert slots["what_happened"] == text
    assert "anonymous" not in slots


async def test_the_same_wrong_answer_twice_offers_a_person_every_other_time() -> None:
    named = {**COMPLAINT_SO_FAR, "anything_else": False, "desired_outcome": "fix it", "anonymous": False}
    text = "sam from room 4"
    tracker = make_tracker({**named, "requested_slot": "first_name", "first_name": text}, text=text, intent="inform")
    earlier = [{"event": "user", "text": text}, {"event": "bot", "text": "Sorry", "metadata": {}}]
    tracker.events = [*earlier, *tracker.events, {"event": "slot", "name": "first_name", "value": text}]
    dispatcher = CollectingDispatcher()

    await ValidateFeedbackForm().run(dispatcher, tracker, DOMAIN)

    assert [m["response"] for m in dispatcher.messages] == ["utter_first_name_invalid", "utter_stuck"]


def test_words_for_anonymity() -> None:
    for text in ("anonymous", "keep it anon", "Anonymously please", "I don't want to give my name", "no name"):
        assert means_anonymous(text), text
    for text in ("Sam", "my name is Sam", "I don't know", "an enormous mess"):
        assert not means_anonymous(text), text
    assert identity_statement("my name is Sam", "use_my_name", free_text=True) == (False, "Sam")
    assert identity_statement("I'm Jay and staff took my phone", "use_my_name", free_text=True) is None
