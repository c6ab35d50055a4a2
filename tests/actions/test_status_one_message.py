"""A reference and a code in one message: both used in that turn, the reference only sealed."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.sealed import seal, unseal
from actions.status import ValidateStatusForm, code_beside_reference
from tests.actions.conftest import make_tracker


@pytest.fixture(autouse=True)
def service_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", "test-token-for-seals-" + "x" * 20)


DOMAIN = {"forms": {"status_form": {"required_slots": ["status_reference", "status_access_code"]}}}
REFERENCE = "CMP-2PEV-4C"
CODE = "3R44J3"


@pytest.mark.parametrize(
    "text",
    [
        "hows my complaint going? ref CMP-2PEV-4C code 3R44J3",
        "code 3r44j3 ref cmp-2pev-4c hows it going",
        "can u check cmp-2pev-4c 3r44j3 pls",
        "HOW IS MY COMPLAINT GOING CMP 2PEV 4C 3R44J3",
        "CMP-2PEV-4C my pin is 3R44J3 thanks",
    ],
)
def test_both_are_found_in_any_order_and_case(text: str) -> None:
    assert code_beside_reference(text) == CODE


@pytest.mark.parametrize(
    "text",
    [
        "CMP-2PEV-4C thanks",  # a six-letter word is not a code without the word "code"
        "CMP-2PEV-4C CHECKS",
        "CMP-2PEV-4C 3R44J3 4K4K4K",  # two candidates: not a guess that spends a try
        "CMP-2PEV-4C code 0OIL1U",  # letters the backend never uses
    ],
)
def test_a_six_letter_word_or_a_doubtful_code_is_not_taken(text: str) -> None:
    assert code_beside_reference(text) is None


async def _validate(
    text: str, slots: dict | None = None, intent: str = "check_status", extracted: dict | None = None
) -> list[dict]:
    """The form's validation call, with what Rasa's action_extract_slots set from this message."""
    tracker = make_tracker({**(slots or {}), **(extracted or {})}, text=text, intent=intent, active_loop="status_form")
    tracker.events += [{"event": "slot", "name": k, "value": v} for k, v in (extracted or {}).items()]
    return await ValidateStatusForm().run(CollectingDispatcher(), tracker, DOMAIN)


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_the_first_message_fills_both_and_the_reference_leaves_only_sealed() -> None:
    events = await _validate(f"hows my complaint going? ref {REFERENCE} code {CODE}")

    slots = _slots(events)
    assert unseal(slots["status_reference"]) == REFERENCE
    assert slots["status_access_code"] == CODE
    # Nothing the action server hands back to Rasa carries the reference in plain text.
    assert REFERENCE not in repr(events)


async def test_the_code_with_the_reference_when_only_the_reference_was_asked_for() -> None:
    text = f"{REFERENCE.lower()} and the code is {CODE.lower()}"
    events = await _validate(text, {"requested_slot": "status_reference"}, extracted={"status_reference": text})

    slots = _slots(events)
    assert unseal(slots["status_reference"]) == REFERENCE
    assert slots["status_access_code"] == CODE


async def test_a_code_on_its_own_is_not_kept_for_a_reference_that_may_never_come() -> None:
    events = await _validate(f"hows my complaint going, my code is {CODE}")

    assert "status_access_code" not in _slots(events)


async def test_a_code_after_a_sealed_reference_from_before_is_used() -> None:
    slots = {"requested_slot": "status_access_code", "status_reference": seal(REFERENCE)}
    events = await _validate(f"its {CODE}", slots, intent="inform", extracted={"status_access_code": f"its {CODE}"})

    assert _slots(events)["status_access_code"] == CODE
