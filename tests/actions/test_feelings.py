"""A child who says how they feel gets a warm answer and an offer, never a goodbye; a worry
about speaking up gets an honest answer; then the way back to what they were doing."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import FEEDBACK_SLOTS, ValidateFeedbackForm
from actions.feelings import ActionAnswerFeeling, ActionAnswerWorry, feeling_in, worry_answers
from tests.actions.conftest import make_tracker


async def _said(action: Action, text: str, intent: str, **kwargs: Any) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, make_tracker(text=text, intent=intent, **kwargs), {})
    return dispatcher.messages


@pytest.mark.parametrize(
    ("text", "feeling"),
    [
        ("I am sad", "sad"),
        ("im proper gutted today", "sad"),
        ("so lonely here", "lonely"),
        ("i feel scared", "scared"),
        ("im FUMING", "angry"),
        ("miss my mum", "homesick"),
        ("meh", None),
    ],
)
def test_the_feeling_is_said_back_in_plain_words(text: str, feeling: str | None) -> None:
    assert feeling_in(text) == feeling


async def test_i_am_sad_gets_a_kind_answer_a_person_and_childline_then_what_next() -> None:
    said = await _said(ActionAnswerFeeling(), "I am sad", "share_feeling")

    assert [m["response"] for m in said] == ["utter_feeling_named", "utter_feeling_offer", "utter_feeling_what_next"]
    assert said[0]["feeling"] == "sad"


async def test_a_feeling_after_a_safety_pause_offers_to_carry_on() -> None:
    said = await _said(
        ActionAnswerFeeling(), "i feel lonely", "share_feeling", slots={"interrupted_form": "feedback_form"}
    )

    assert [m["response"] for m in said][-1] == "utter_offer_resume"


async def test_a_feeling_inside_a_form_is_answered_and_the_form_asks_again() -> None:
    said = await _said(ActionAnswerFeeling(), "i feel a bit rubbish", "share_feeling", active_loop="feedback_form")

    # No menu: the rule runs the form next, which asks its question again.
    assert [m["response"] for m in said] == ["utter_feeling_heard", "utter_feeling_offer_in_form"]


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("will i get in trouble for complaining", ["utter_worry_trouble"]),
        ("will i get moved if i complain", ["utter_worry_trouble"]),
        ("will they find out it was me", ["utter_worry_found_out"]),
        ("will staff be angry and will they know its me", ["utter_worry_trouble", "utter_worry_found_out"]),
        ("is it ok to complain", ["utter_worry_general"]),
    ],
)
def test_each_worry_gets_the_honest_answer_that_fits(text: str, answers: list[str]) -> None:
    assert worry_answers(text) == answers


async def test_a_worry_outside_a_form_then_offers_the_choice_to_carry_on() -> None:
    said = await _said(ActionAnswerWorry(), "will i get in trouble for complaining", "worry_consequences")

    assert [m["response"] for m in said] == ["utter_worry_trouble", "utter_worry_what_next"]


async def test_a_feeling_given_as_what_happened_is_kept_and_heard() -> None:
    tracker = make_tracker(
        {
            "kind": "complaint",
            "kind_confirmed": True,
            "requested_slot": "what_happened",
            "what_happened": "im sad cos they took my phone",
        },
        text="im sad cos they took my phone",
        intent="share_feeling",
    )
    tracker.events.append({"event": "slot", "name": "what_happened", "value": "im sad cos they took my phone"})
    dispatcher = CollectingDispatcher()
    domain = {"forms": {"feedback_form": {"required_slots": list(FEEDBACK_SLOTS)}}}

    events = await ValidateFeedbackForm().run(dispatcher, tracker, domain)

    assert {
        "event": "slot",
        "timestamp": None,
        "name": "what_happened",
        "value": "im sad cos they took my phone",
    } in events
    assert dispatcher.messages[0]["response"] == "utter_feeling_named"


async def test_the_same_worry_twice_in_a_row_offers_a_person_instead_of_the_same_answer() -> None:
    worry = "will i get in trouble for this"
    tracker = make_tracker(text=worry, intent="worry_consequences")
    tracker.events = [
        {"event": "user", "text": worry},
        {"event": "bot", "text": "...", "metadata": {"utter_action": "utter_worry_trouble"}},
        *tracker.events,
    ]
    dispatcher = CollectingDispatcher()

    await ActionAnswerWorry().run(dispatcher, tracker, {})

    assert [m["response"] for m in dispatcher.messages] == ["utter_stuck_menu"]
