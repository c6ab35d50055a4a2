""" "I'm not happy with the answer": the status answer's outcome and choices, and asking for the
next stage, against a real backend whose staff steps are done by the real casework service."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_context import ANONYMOUS_SENT_SLOT
from actions.feedback import ActionSubmitFeedback
from actions.next_stage import ActionAskNextStage, ActionKeepAnswer
from actions.sealed import seal, unseal
from actions.status import NOT_NOW_REASONS, ActionCheckStatus, seal_pass, unseal_pass
from scripts.stack import BACKEND_PY, ROOT
from tests.actions.conftest import RunningBackend, make_tracker

COMPLAINT = {
    "kind": "complaint",
    "kind_confirmed": True,
    "what_happened": "Staff took my phone without asking",
    "desired_outcome": "Get it back",
    "anonymous": True,
    "submit_confirmed": True,
}
# What staff wrote for the child at Stage 1 (tests/backend/api/casework_steps.py).
STAGE1_FOR_CHILD = "We should have asked you first. Your phone is back in your room."


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def _complaint(named: bool = False) -> tuple[str, str]:
    slots = {**COMPLAINT, "anonymous": False, "first_name": "Sam"} if named else COMPLAINT
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(dispatcher, make_tracker(slots), {})
    reference = unseal(_slots(events)["last_reference"])
    assert reference is not None
    return reference, dispatcher.messages[0]["text"].split("your code is ")[1].split(".")[0]


def _staff_answer(backend: RunningBackend, reference: str, stage: str = "stage1") -> None:
    """The manager responds, through the backend's own casework service (its virtualenv)."""
    url = f"sqlite+aiosqlite:///{backend.database_path}"
    command = [str(BACKEND_PY), "-m", "tests.backend.api.casework_steps", url, reference, stage]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)


def _state(backend: RunningBackend) -> str:
    (row,) = backend.rows("cases")
    return row["state"]


async def _check(reference: str, code: str, asked: bool = False) -> tuple[list[dict], dict]:
    """The status check; `asked`: the child said "I'm not happy with the answer" first."""
    dispatcher = CollectingDispatcher()
    slots = {"status_reference": seal(reference), "status_access_code": code, "next_stage_wanted": asked or None}
    tracker = make_tracker(slots)
    events = await ActionCheckStatus().run(dispatcher, tracker, {})
    return dispatcher.messages, _slots(events)


async def _ask(slots: dict, active_loop: str | None = None) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, text="/ask_next_stage", intent="ask_next_stage", active_loop=active_loop)
    events = await ActionAskNextStage().run(dispatcher, tracker, {})
    return dispatcher.messages, _slots(events)


async def test_the_status_answer_shows_the_outcome_what_staff_wrote_and_the_two_choices(
    backend: RunningBackend,
) -> None:
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    (message,), slots = await _check(reference, code)
    assert "The manager has answered your complaint." in message["text"]
    assert "They agreed with some of your complaint." in message["text"]
    assert f'What they said to you: "{STAGE1_FOR_CHILD}"' in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/ask_next_stage", "/deny"]
    assert [b["title"] for b in message["buttons"]] == ["I'm not happy with the answer", "That's OK"]
    assert code not in message["text"]
    assert slots["status_access_code"] is None
    held = unseal_pass(slots["next_stage_pass"])
    assert held is not None and held[0] == reference
    assert slots["next_stage_offered"] is True
    # Anonymous: this answer is left out of anything staff see from the conversation later.
    assert isinstance(slots[ANONYMOUS_SENT_SLOT], float)


async def test_before_an_answer_there_are_no_choices(backend: RunningBackend) -> None:
    reference, code = await _complaint()
    (message,), slots = await _check(reference, code)
    assert not message.get("buttons")
    assert slots["next_stage_pass"] is None and slots["next_stage_offered"] is None


async def test_not_happy_right_after_the_answer_asks_without_the_code_and_offers_an_advocate(
    backend: RunningBackend,
) -> None:
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    _, after_status = await _check(reference, code)
    messages, slots = await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    assert messages[0]["text"].startswith("Done. I've asked for someone else to look at your complaint.")
    assert "Someone will talk with you soon" in messages[0]["text"]
    assert messages[1]["response"] == "utter_offer_advocate"
    assert _state(backend) == "stage2_requested"
    (event,) = [e for e in backend.rows("case_events") if e["action"] == "request_stage2"]
    assert event["actor_username"] == "the child, by the assistant"
    # The advocate offer is linked to this complaint, as anonymous as it is.
    assert unseal(slots["last_reference"]) == reference
    assert slots["advocate_offered"] is True and slots["last_anonymous"] is True
    assert slots["last_first_name"] is None
    assert slots["next_stage_pass"] is None and slots["next_stage_offered"] is None


async def test_a_named_child_is_offered_the_advocate_with_their_name(backend: RunningBackend) -> None:
    reference, code = await _complaint(named=True)
    _staff_answer(backend, reference)
    _, after_status = await _check(reference, code)
    assert ANONYMOUS_SENT_SLOT not in after_status
    _, slots = await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    assert slots["last_anonymous"] is False and slots["last_first_name"] == "Sam"


async def test_without_a_pass_the_answer_is_shown_first_and_nothing_is_asked_until_the_child_taps(
    backend: RunningBackend,
) -> None:
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    (message,), slots = await _ask({})
    assert message["response"] == "utter_next_stage_needs_reference"
    assert slots == {"next_stage_wanted": True}
    # Said again while the form asks (even with an old pass): the form carries on.
    (message,), slots = await _ask({"next_stage_pass": seal_pass(reference, "x")}, active_loop="status_form")
    assert slots == {"next_stage_wanted": True}
    # The form is done: the answer, with the choice; nothing asked for yet, the code forgotten.
    (message,), after_status = await _check(reference, code, asked=True)
    assert f'What they said to you: "{STAGE1_FOR_CHILD}"' in message["text"]
    assert message["text"].endswith('If you still want it looked at again, tap "I\'m not happy with the answer".')
    assert [b["payload"] for b in message["buttons"]] == ["/ask_next_stage", "/deny"]
    assert after_status["status_access_code"] is None and after_status["next_stage_wanted"] is None
    assert _state(backend) == "stage1_responded"
    # The tap asks.
    messages, _ = await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    assert messages[0]["text"].startswith("Done.")
    assert _state(backend) == "stage2_requested"


async def test_a_status_check_misread_as_not_happy_only_shows_the_answer(backend: RunningBackend) -> None:
    # "what was the answer" taken for ask_next_stage: the child sees the answer, and nothing is asked for.
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    await _ask({})
    await _check(reference, code, asked=True)
    assert _state(backend) == "stage1_responded"
    assert "request_stage2" not in [e["action"] for e in backend.rows("case_events")]


async def test_after_the_stage2_answer_the_child_asks_for_a_review_panel(backend: RunningBackend) -> None:
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    _, after_status = await _check(reference, code)
    await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    _staff_answer(backend, reference, "stage2")
    (message,), after_status = await _check(reference, code)
    assert "They did not agree with your complaint this time." in message["text"]
    messages, _ = await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    assert messages[0]["text"].startswith("Done. I've asked for a group of people to look at your complaint again.")
    assert "They should meet by" in messages[0]["text"]
    assert _state(backend) == "stage3_requested"


async def test_asked_before_any_answer_says_why_kindly_and_what_the_child_can_do(backend: RunningBackend) -> None:
    reference, code = await _complaint()
    (why, message), slots = await _check(reference, code, asked=True)
    assert why["response"] == "utter_next_stage_not_now_not_answered"
    assert "We have got your complaint. The manager will read it soon." in message["text"]
    assert [b["payload"] for b in message["buttons"]] == ["/request_advocate", "/talk_to_person"]
    assert slots["next_stage_wanted"] is None and slots["next_stage_pass"] is None
    assert _state(backend) == "received"


async def test_asking_twice_records_it_once(backend: RunningBackend) -> None:
    reference, code = await _complaint()
    _staff_answer(backend, reference)
    _, after_status = await _check(reference, code)
    await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    (why, message), _ = await _ask({"next_stage_pass": after_status["next_stage_pass"]})
    assert why["response"] == "utter_next_stage_not_now_already_asked"
    assert "You asked for someone else to look at your complaint." in message["text"]
    assert [e["action"] for e in backend.rows("case_events")].count("request_stage2") == 1


async def test_a_pass_that_ran_out_asks_for_the_reference_and_code_again(backend: RunningBackend) -> None:
    reference, _ = await _complaint()
    _staff_answer(backend, reference)
    (message,), slots = await _ask({"next_stage_pass": seal_pass(reference, "stage2.1.0000")})
    assert message["response"] == "utter_next_stage_needs_reference_again"
    assert slots["next_stage_wanted"] is True and slots["next_stage_pass"] is None
    assert _state(backend) == "stage1_responded"


async def test_backend_down_says_sorry_and_keeps_the_pass(backend: RunningBackend, fast_retry: None) -> None:
    backend.stop()
    (message,), slots = await _ask({"next_stage_pass": seal_pass("CMP-2222-22", "stage2.1.00")})
    assert message["response"] == "utter_next_stage_failed"
    assert slots == {}  # "Try again" needs no code


@pytest.mark.parametrize(
    ("intent", "response"),
    [("deny", "utter_answer_kept"), ("im_ok", "utter_answer_kept"), ("dont_know", "utter_next_stage_not_sure")],
)
async def test_that_is_ok_keeps_the_answer(intent: str, response: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"next_stage_offered": True, "next_stage_pass": "sealed"}, intent=intent)
    events = await ActionKeepAnswer().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == [response]
    assert _slots(events) == {"next_stage_offered": None}


def test_the_pass_is_sealed_and_read_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", "t" * 32)
    sealed = seal_pass("CMP-7K4Q-2M", "stage2.123.abc")
    assert "CMP" not in sealed and "stage2" not in sealed
    assert unseal_pass(sealed) == ("CMP-7K4Q-2M", "stage2.123.abc")
    assert unseal_pass(seal("not json")) is None
    assert unseal_pass("tampered") is None


def test_every_reason_the_backend_gives_has_its_words_in_the_domain(backend: RunningBackend) -> None:
    with urllib.request.urlopen(f"{backend.url}/api/openapi.json", timeout=10) as resp:  # noqa: S310 (test backend)
        schemas = json.load(resp)["components"]["schemas"]
    assert set(schemas["NextStageRefused"]["properties"]["why"]["enum"]) == set(NOT_NOW_REASONS)
    domain = Domain.load(str(Path(ROOT) / "domain"))  # every file of domain/, merged as Rasa does
    assert {f"utter_next_stage_not_now_{why}" for why in NOT_NOW_REASONS} <= set(domain.responses)
