"""Checking progress with a reference and access code, against a real backend."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ActionSubmitFeedback
from actions.sealed import seal, unseal
from actions.status import (
    NEXT_STAGE_SLOTS,
    STATUS_SLOTS,
    ActionCheckStatus,
    ActionLostCode,
    ValidateStatusForm,
    find_access_code,
    find_reference,
)
from tests.actions.conftest import RunningBackend, make_tracker

COMPLAINT = {
    "kind": "complaint",
    "kind_confirmed": True,
    "what_happened": "My contact with my brother got cancelled again",
    "desired_outcome": "See him this weekend",
    "anonymous": True,
    "submit_confirmed": True,
}


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def _submit_complaint() -> tuple[str, str]:
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(dispatcher, make_tracker(COMPLAINT), {})
    reference = unseal(_slots(events)["last_reference"])
    assert reference is not None
    code = dispatcher.messages[0]["text"].split("your code is ")[1].split(".")[0]
    return reference, code


async def _check(reference: str, code: str) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"status_reference": seal(reference), "status_access_code": code})
    events = await ActionCheckStatus().run(dispatcher, tracker, {})
    return dispatcher.messages, _slots(events)


async def test_right_code_tells_the_child_where_it_is_and_forgets_the_code(backend: RunningBackend) -> None:
    reference, code = await _submit_complaint()
    messages, slots = await _check(reference, code.lower())  # typed in lower case on a tablet
    (message,) = messages
    assert reference in message["text"]
    assert "manager" in message["text"].lower()
    assert code not in message["text"]  # never echoed back
    assert slots["status_reference"] is None and slots["status_access_code"] is None
    # Not answered yet: nothing to take further.
    assert slots["next_stage_pass"] is None and slots["next_stage_offered"] is None


async def test_wrong_code_and_unknown_reference_get_the_same_kind_answer(backend: RunningBackend) -> None:
    reference, _ = await _submit_complaint()
    wrong, slots = await _check(reference, "ZZZZZZ")
    unknown, _ = await _check("CMP-2222-22", "ZZZZZZ")
    assert [m["response"] for m in wrong] == ["utter_status_no_match"]
    assert [m["response"] for m in unknown] == ["utter_status_no_match"]
    assert slots["status_access_code"] is None


async def test_sixth_wrong_code_in_an_hour_gets_the_wait_message_even_with_the_right_code(
    backend: RunningBackend,
) -> None:
    reference, code = await _submit_complaint()
    for _ in range(5):
        messages, _ = await _check(reference, "ZZZZZZ")
        assert messages[0]["response"] == "utter_status_no_match"
    messages, slots = await _check(reference, code)
    assert [m["response"] for m in messages] == ["utter_status_too_many_tries"]
    assert slots["status_access_code"] is None


async def test_backend_down_says_sorry_and_still_forgets_the_code(backend: RunningBackend, fast_retry: None) -> None:
    backend.stop()
    messages, slots = await _check("CMP-2222-22", "ZZZZZZ")
    assert [m["response"] for m in messages] == ["utter_status_failed"]
    assert slots["status_access_code"] is None


async def test_lost_code_explains_who_can_help_and_keeps_nothing() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionLostCode().run(dispatcher, make_tracker({"status_reference": "CMP-2222-22"}), {})
    assert dispatcher.messages[0]["response"] == "utter_lost_code"
    assert set(_slots(events)) == set(STATUS_SLOTS + NEXT_STAGE_SLOTS)
    assert set(_slots(events).values()) == {None}


def test_references_and_codes_are_found_in_what_the_child_types() -> None:
    assert find_reference("my ref is cmp 7k4q 2m") == "CMP-7K4Q-2M"
    assert find_reference("CMP-7K4Q-2M") == "CMP-7K4Q-2M"
    assert find_reference("thx-abcd-ef please") == "THX-ABCD-EF"
    assert find_reference("i dont know") is None
    assert find_access_code("4kx9pq") == "4KX9PQ"
    assert find_access_code("4KX 9PQ") == "4KX9PQ"
    assert find_access_code("my code is 4KX9PQ") == "4KX9PQ"
    assert find_access_code("i lost it sorry") is None


def test_form_says_kindly_when_a_reference_or_code_does_not_look_right() -> None:
    form = ValidateStatusForm()
    dispatcher = CollectingDispatcher()
    assert form.validate_status_reference("banana", dispatcher, make_tracker(), {}) == {"status_reference": None}
    assert form.validate_status_access_code("12", dispatcher, make_tracker(), {}) == {"status_access_code": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_reference_invalid", "utter_code_invalid"]
