"""Feedback actions against a real backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.anonymity import clean_first_name
from actions.conversation_context import ANONYMOUS_SENT_SLOT
from actions.feedback import (
    ActionStartFeedback,
    ActionSubmitFeedback,
    ValidateFeedbackForm,
    description_in,
)
from actions.outbox import Outbox
from actions.safeguarding import deliver
from tests.actions.conftest import RunningBackend, make_tracker

NAMED_COMPLAINT = {
    "kind": "complaint",
    "kind_confirmed": True,
    "what_happened": "Staff took my phone for no reason",
    "desired_outcome": "Get it back",
    "anonymous": False,
    "first_name": "Sam",
    "submit_confirmed": True,
}


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_named_complaint_is_stored_and_child_gets_reference_and_code(backend: RunningBackend) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(NAMED_COMPLAINT, sender_id="conv-1", metadata={"home": "oak-house"})
    events = await ActionSubmitFeedback().run(dispatcher, tracker, {})

    (row,) = backend.rows()
    assert row["kind"] == "complaint"
    assert row["what_happened"] == "Staff took my phone for no reason"
    assert row["desired_outcome"] == "Get it back"
    assert row["first_name"] == "Sam"
    assert row["conversation_id"] == "conv-1"
    assert row["home_code"] == "oak-house"
    message = dispatcher.messages[0]  # then the offer of an advocate
    assert row["reference"] in message["text"]
    assert _slots(events)["what_happened"] is None  # form cleared for the next child


async def test_the_receipt_says_what_happens_next_with_the_backends_dates(backend: RunningBackend) -> None:
    dispatcher = CollectingDispatcher()
    await ActionSubmitFeedback().run(dispatcher, make_tracker(NAMED_COMPLAINT), {})
    receipt = dispatcher.messages[0]["text"]
    # "... they've got it by Friday 4 December, and give you an answer by Friday 11 December."
    assert re.search(r"got it by \w+day \d+ \w+.*answer by \w+day \d+ \w+", receipt), receipt
    assert "working days" not in receipt  # no timescale written in the chat (backend/casework/steps.py)


async def test_anonymous_submission_sends_no_name_and_no_conversation_id(backend: RunningBackend) -> None:
    slots = {**NAMED_COMPLAINT, "anonymous": True, "first_name": "Sam"}
    events = await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(slots, sender_id="conv-2"), {})
    (row,) = backend.rows()
    assert row["anonymous"] == 1
    assert row["first_name"] is None
    assert row["conversation_id"] is None
    assert row["home_code"] == "test-home"  # from HOME_CODE when the channel sends none
    # Marks where the anonymous part ends, so no later alert or handoff carries it.
    assert isinstance(_slots(events)[ANONYMOUS_SENT_SLOT], float)


async def test_a_named_submission_marks_nothing_anonymous(backend: RunningBackend) -> None:
    events = await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(NAMED_COMPLAINT), {})
    assert ANONYMOUS_SENT_SLOT not in _slots(events)


async def test_compliment_sends_who_it_is_about_not_an_outcome(backend: RunningBackend) -> None:
    slots = {
        "kind": "compliment",
        "what_happened": "Sam helped me with my homework",
        "about_whom": "Sam",
        "desired_outcome": "left over from before",
        "anonymous": True,
        "submit_confirmed": True,
    }
    await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(slots), {})
    (row,) = backend.rows()
    assert row["reference"].startswith("THX-")
    assert row["about_whom"] == "Sam"
    assert row["desired_outcome"] is None


async def test_nothing_is_sent_without_a_yes(backend: RunningBackend) -> None:
    slots = {**NAMED_COMPLAINT, "submit_confirmed": False}
    assert await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(slots), {}) == []
    assert backend.rows() == []


async def test_backend_down_keeps_it_safe_and_a_retry_gets_the_same_record(
    backend: RunningBackend, fast_retry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    backend.stop()
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(dispatcher, make_tracker(NAMED_COMPLAINT), {})
    assert dispatcher.messages[0]["response"] == "utter_submit_queued"
    slots = _slots(events)
    assert slots["submission_pending"] is True
    key = slots["submission_key"]
    assert "what_happened" not in slots  # the child's words are kept
    assert Outbox.from_env().pending_count() == 1  # and sent by itself once the backend is back

    # The child taps "Try again" once the backend is back: stored once, same key.
    backend.start()
    retry = make_tracker({**NAMED_COMPLAINT, "submission_pending": True, "submission_key": key})
    again = CollectingDispatcher()
    await ActionSubmitFeedback().run(again, retry, {})
    (row,) = backend.rows()
    assert row["idempotency_key"] == key
    assert row["reference"] in again.messages[0]["text"]
    # The outbox delivering it as well still makes one record.
    assert await Outbox.from_env().deliver_due(deliver) == 1
    assert len(backend.rows()) == 1


async def test_a_submission_made_while_the_backend_was_away_arrives_without_a_retry(
    backend: RunningBackend, fast_retry: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    backend.stop()
    await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(NAMED_COMPLAINT), {})
    assert backend.rows() == []
    backend.start()
    assert await Outbox.from_env().deliver_due(deliver) == 1  # what the delivery loop does every second
    (row,) = backend.rows()
    assert row["what_happened"] == NAMED_COMPLAINT["what_happened"]
    assert Outbox.from_env().pending_count() == 0


async def test_start_keeps_a_first_message_that_already_says_what_happened() -> None:
    tracker = make_tracker(text="I want to complain, staff took my phone for no reason", intent="make_complaint")
    slots = _slots(await ActionStartFeedback().run(CollectingDispatcher(), tracker, {}))
    assert slots["kind"] == "complaint"
    assert slots["what_happened"] == "I want to complain, staff took my phone for no reason"


async def test_start_asks_when_the_first_message_only_names_the_kind() -> None:
    tracker = make_tracker(text="I want to make a complaint", intent="make_complaint")
    slots = _slots(await ActionStartFeedback().run(CollectingDispatcher(), tracker, {}))
    assert slots["kind"] == "complaint"
    assert slots["what_happened"] is None


def test_description_and_first_name_cleaning() -> None:
    assert description_in("I want to say thank you") is None
    assert description_in("/make_complaint") is None
    assert description_in("Sam helped me with my homework") == "Sam helped me with my homework"
    assert description_in("I don't want to make a complaint, I just want it sorted") is None
    assert description_in("dont want to complain i just want it fixed") is None
    assert description_in("i dont want to complain but the heating is broken") is not None
    assert clean_first_name("my name is sam") == "Sam"
    assert clean_first_name("Aisha!") == "Aisha"
    assert clean_first_name("Zoë") == "Zoë"
    assert clean_first_name("sam smith from room 4") is None
    assert clean_first_name("12345") is None


async def test_form_asks_for_a_name_only_when_named() -> None:
    form = ValidateFeedbackForm()
    named = await form.required_slots(
        [], CollectingDispatcher(), make_tracker({"kind": "complaint", "anonymous": False}), {}
    )
    anon = await form.required_slots(
        [], CollectingDispatcher(), make_tracker({"kind": "compliment", "anonymous": True}), {}
    )
    assert "first_name" in named and "desired_outcome" in named
    assert "first_name" not in anon and "about_whom" in anon and "desired_outcome" not in anon


def test_saying_no_to_the_kind_asks_which_kind() -> None:
    result = ValidateFeedbackForm().validate_kind_confirmed(False, CollectingDispatcher(), make_tracker(), {})
    assert result == {"kind_confirmed": None, "kind": None}


def test_slot_set_events_are_plain_dicts() -> None:
    # rasa_sdk events are dicts; the helpers above rely on that.
    assert SlotSet("x", 1)["event"] == "slot"


async def test_a_complaint_asks_anything_else_and_an_extra_point_becomes_a_numbered_point() -> None:
    form = ValidateFeedbackForm()
    slots = {"kind": "complaint", "kind_confirmed": True, "what_happened": "They took my phone"}
    required = await form.required_slots([], CollectingDispatcher(), make_tracker(slots), {})
    assert required.index("anything_else") == required.index("what_happened") + 1
    assert "extra_point" not in required

    more = await form.required_slots([], CollectingDispatcher(), make_tracker({**slots, "anything_else": True}), {})
    assert "extra_point" in more

    result = form.validate_extra_point("They read my messages", CollectingDispatcher(), make_tracker(slots), {})
    assert result == {
        "what_happened": "1. They took my phone\n2. They read my messages",
        "extra_point": None,
        "anything_else": None,  # asked again: there may be a third thing
    }
    third = form.validate_extra_point(
        "And my charger", CollectingDispatcher(), make_tracker({**slots, "what_happened": result["what_happened"]}), {}
    )
    assert third["what_happened"].endswith("\n3. And my charger")


async def test_thank_yous_and_ideas_are_not_asked_for_anything_else() -> None:
    form = ValidateFeedbackForm()
    for kind in ("compliment", "comment"):
        required = await form.required_slots([], CollectingDispatcher(), make_tracker({"kind": kind}), {})
        assert "anything_else" not in required


async def test_not_sure_which_kind_starts_with_no_kind_so_the_form_explains_them() -> None:
    tracker = make_tracker(text="I want to tell you something about staff", intent="unsure_kind")
    slots = _slots(await ActionStartFeedback().run(CollectingDispatcher(), tracker, {}))
    assert slots["kind"] is None
    assert slots["what_happened"] is None


def test_not_sure_at_the_check_asks_which_kind() -> None:
    # The unsure_kind and dont_know mappings fill kind_confirmed with False.
    result = ValidateFeedbackForm().validate_kind_confirmed(False, CollectingDispatcher(), make_tracker(), {})
    assert result["kind"] is None


async def test_an_idea_says_it_can_still_become_a_complaint(backend: RunningBackend) -> None:
    slots = {
        "kind": "comment",
        "what_happened": "I just want the heating sorted",
        "desired_outcome": "Fix it",
        "anonymous": True,
        "submit_confirmed": True,
    }
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(dispatcher, make_tracker(slots), {})
    assert "it can become a complaint" in dispatcher.messages[0]["text"]
    assert "advocate_offered" not in _slots(events)


async def test_a_tapped_kind_is_taken_as_chosen_and_confirmed() -> None:
    tracker = make_tracker(text='/choose_kind{"kind": "comment"}', intent="choose_kind")
    tracker.latest_message["entities"] = [{"entity": "kind", "value": "comment"}]
    slots = _slots(await ActionStartFeedback().run(CollectingDispatcher(), tracker, {}))
    assert slots["kind"] == "comment"
    assert slots["kind_confirmed"] is True
