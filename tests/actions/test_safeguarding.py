"""Escalation and check-in: the alert or concern reaches the backend (or waits safely in the outbox);
the child is told honestly what happens."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.outbox import Outbox
from actions.safeguarding import (
    CONCERN_SLOT,
    ActionAfterCheckIn,
    ActionEscalateSafeguarding,
    ActionResumeForm,
    ActionSafeguardingCheckIn,
    alert_payload,
    concern_payload,
    deliver,
)
from tests.actions.conftest import RunningBackend, make_tracker

FLAG = {"risk": True, "level": "risk", "category": "physical_abuse", "severity": "high", "matched": ["hit me"]}
HINT = {
    "risk": False,
    "level": "concern",
    "category": "unsafe_general",
    "severity": "medium",
    "matched": ["unsafe_general/cant_say"],
}


@pytest.fixture
def outbox_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    return tmp_path / "outbox"


def flagged_tracker(text: str = "my key worker hit me last night", **kwargs: Any) -> Tracker:
    tracker = make_tracker(text=text, intent="make_complaint", metadata={"home": "oak-house"}, **kwargs)
    tracker.latest_message["safeguarding"] = FLAG
    tracker.events = [
        {"event": "bot", "text": "What would you like to happen now?", "timestamp": 1_700_000_000.0},
        {"event": "user", "text": "i dunno", "timestamp": 1_700_000_005.0},
        *tracker.events,
    ]
    return tracker


def test_alert_carries_what_staff_need_even_when_anonymous() -> None:
    tracker = flagged_tracker(slots={"anonymous": True}, sender_id="tablet-session-9")
    payload = alert_payload(tracker)
    assert payload["conversation_id"] == "tablet-session-9"
    assert payload["home"] == "oak-house"
    assert payload["category"] == "physical_abuse"
    assert payload["severity"] == "high"
    assert payload["message"] == "my key worker hit me last night"
    assert [t["speaker"] for t in payload["preceding_turns"]] == ["bot", "child"]
    assert payload["source"] == "detector"


def test_the_unsafe_button_is_treated_as_danger_now() -> None:
    tracker = make_tracker(text="/feel_unsafe", intent="feel_unsafe")
    payload = alert_payload(tracker)
    assert payload["severity"] == "immediate"
    assert payload["category"] == "unsafe_general"
    assert payload["source"] == "button"


async def test_escalation_stores_the_alert_and_tells_the_child(backend: RunningBackend, outbox_dir: Path) -> None:
    dispatcher = CollectingDispatcher()
    await ActionEscalateSafeguarding().run(dispatcher, flagged_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_safeguarding_told"
    (alert,) = backend.rows("alerts")
    assert alert["category"] == "physical_abuse"
    assert Outbox.from_env().pending_count() == 0


async def test_escalation_with_backend_down_keeps_the_alert_and_delivers_it_once_later(
    backend: RunningBackend, outbox_dir: Path
) -> None:
    backend.stop()
    dispatcher = CollectingDispatcher()
    await ActionEscalateSafeguarding().run(dispatcher, flagged_tracker(), {})
    # The child still hears at once that an adult is being told.
    assert dispatcher.messages[0]["response"] == "utter_safeguarding_told"
    outbox = Outbox.from_env()
    assert outbox.pending_count() == 1

    backend.start()
    for _ in range(3):  # the delivery loop may run more than once: still one alert
        for kind, payload in outbox.due(now=10**10):
            await deliver(kind, payload)
            outbox.mark_delivered(payload["idempotency_key"])
        await asyncio.sleep(0)
    assert outbox.pending_count() == 0
    assert len(backend.rows("alerts")) == 1


async def test_a_disclosure_inside_a_form_pauses_it_and_offers_to_carry_on(
    backend: RunningBackend, outbox_dir: Path
) -> None:
    tracker = flagged_tracker(
        slots={"requested_slot": "desired_outcome", "desired_outcome": "my key worker hit me last night"},
        active_loop="feedback_form",
    )
    dispatcher = CollectingDispatcher()
    events = await ActionEscalateSafeguarding().run(dispatcher, tracker, {})
    assert {"event": "active_loop", "name": None} in [{k: e.get(k) for k in ("event", "name")} for e in events]
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["interrupted_form"] == "feedback_form"
    assert slots["desired_outcome"] is None  # the disclosure is not kept as an answer
    assert [m["response"] for m in dispatcher.messages] == ["utter_safeguarding_told", "utter_offer_resume"]

    resumed = await ActionResumeForm().run(
        CollectingDispatcher(), make_tracker(slots={"interrupted_form": "feedback_form"}), {}
    )
    assert {"event": "followup", "name": "feedback_form"} in [{k: e.get(k) for k in ("event", "name")} for e in resumed]


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def hinting_tracker(**kwargs: Any) -> Tracker:
    tracker = make_tracker(text="something happened at contact and i cant say", intent="give_comment", **kwargs)
    tracker.latest_message["safeguarding"] = HINT
    return tracker


def test_references_and_codes_never_reach_staff_in_the_turns() -> None:
    tracker = flagged_tracker()
    tracker.events = [
        {"event": "bot", "text": "Sent! Your reference is CMP-7K4Q-2M and your code is 3R44J3. Keep them safe."},
        {"event": "user", "text": "hows my complaint CMP-2PEV-4C code 3R44J3"},
        {"event": "user", "text": "3r44j3"},
        *tracker.events,
    ]
    said = " ".join(t["text"] for t in alert_payload(tracker)["preceding_turns"])
    assert "3R44J3" not in said.upper() and "CMP-" not in said
    assert "[code removed]" in said and "[reference removed]" in said


async def test_a_check_in_records_a_concern_and_asks_the_child_gently(
    backend: RunningBackend, outbox_dir: Path
) -> None:
    tracker = hinting_tracker(sender_id="tablet-7", metadata={"home": "oak-house"})
    dispatcher = CollectingDispatcher()
    events = await ActionSafeguardingCheckIn().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_safeguarding_check_in"]
    (concern,) = backend.rows("safeguarding_concerns")
    assert (concern["conversation_id"], concern["home_code"]) == ("tablet-7", "oak-house")
    assert concern["category"] == "unsafe_general"
    assert concern["message"] == "something happened at contact and i cant say"
    assert _slots(events)[CONCERN_SLOT]["key"] == concern["idempotency_key"]
    assert backend.rows("alerts") == []  # no alarm, no sound: a person reviews it


async def test_a_check_in_inside_a_form_keeps_the_answer_and_pauses_the_form(outbox_dir: Path) -> None:
    tracker = hinting_tracker(
        slots={"requested_slot": "what_happened", "what_happened": "something happened at contact and i cant say"},
        active_loop="feedback_form",
    )
    events = await ActionSafeguardingCheckIn().run(CollectingDispatcher(), tracker, {})
    slots = _slots(events)
    assert slots["interrupted_form"] == "feedback_form"
    assert "what_happened" not in slots  # it may well be the answer: it stays

    carried_on = await ActionAfterCheckIn().run(
        dispatcher := CollectingDispatcher(), make_tracker(slots={"interrupted_form": "feedback_form"}), {}
    )
    assert [m["response"] for m in dispatcher.messages] == ["utter_after_check_in"]
    assert {"event": "followup", "name": "feedback_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in carried_on
    ]


async def test_a_yes_to_the_check_in_is_an_alert_that_names_the_concern(
    backend: RunningBackend, outbox_dir: Path
) -> None:
    events = await ActionSafeguardingCheckIn().run(CollectingDispatcher(), hinting_tracker(sender_id="t-8"), {})
    concern_slot = _slots(events)[CONCERN_SLOT]
    answer = make_tracker(text="yes", intent="affirm", sender_id="t-8", slots={CONCERN_SLOT: concern_slot})
    answer.latest_message["safeguarding"] = {"risk": False, "level": "none", "category": None, "matched": []}
    payload = alert_payload(answer)
    assert (payload["source"], payload["concern_key"], payload["category"]) == (
        "check_in",
        concern_slot["key"],
        "unsafe_general",
    )

    dispatcher = CollectingDispatcher()
    escalated = await ActionEscalateSafeguarding().run(dispatcher, answer, {})
    assert dispatcher.messages[0]["response"] == "utter_safeguarding_told"
    assert _slots(escalated)[CONCERN_SLOT] is None
    (alert,) = backend.rows("alerts")
    (concern,) = backend.rows("safeguarding_concerns")
    assert alert["source"] == "check_in"
    assert (concern["status"], concern["alert_id"]) == ("escalated", alert["id"])


def test_a_concern_raised_by_reading_messages_together_says_so() -> None:
    tracker = hinting_tracker()
    tracker.latest_message["safeguarding"] = {**HINT, "matched": ["classifier/x:0.40", "context/second_signal"]}
    assert concern_payload(tracker)["source"] == "context"
    assert concern_payload(hinting_tracker())["source"] == "detector"
