"""Escalation: the alert reaches the backend (or waits safely in the outbox); the child is told."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.outbox import Outbox
from actions.safeguarding import ActionEscalateSafeguarding, ActionResumeForm, alert_payload, deliver_alert
from tests.actions.conftest import RunningBackend, make_tracker

FLAG = {"risk": True, "category": "physical_abuse", "severity": "high", "matched": ["hit me"]}


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
        for payload in outbox.due(now=10**10):
            await deliver_alert(payload)
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
