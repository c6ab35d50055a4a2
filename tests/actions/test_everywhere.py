"""Stop and "talk to a person", which work at every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_context import ANONYMOUS_SENT_SLOT
from actions.everywhere import ActionKindFallback, ActionStop, ActionTalkToPerson
from actions.outbox import Outbox
from tests.actions.conftest import RunningBackend, make_tracker


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_stop_forgets_everything_half_done_but_not_a_safety_pause() -> None:
    tracker = make_tracker(
        {
            "kind": "complaint",
            "what_happened": "half typed",
            "status_access_code": "4KX9PQ",
            "advocate_offered": True,
            "interrupted_form": "feedback_form",
        }
    )
    dispatcher = CollectingDispatcher()
    slots = _slots(await ActionStop().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_stopped"
    assert slots["what_happened"] is None
    assert slots["status_access_code"] is None
    assert slots["advocate_offered"] is None
    assert "interrupted_form" not in slots


async def test_talk_to_a_person_reaches_the_staff_alerts_page(
    backend: RunningBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="can i talk to a real person", intent="talk_to_person", sender_id="tablet-7")
    await ActionTalkToPerson().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_person_asked"]
    (alert,) = backend.rows("alerts")
    assert alert["source"] == "person_request"
    assert alert["conversation_id"] == "tablet-7"
    assert alert["category"] is None


async def test_talk_to_a_person_with_backend_down_is_queued_and_says_so(
    backend: RunningBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    backend.stop()
    dispatcher = CollectingDispatcher()
    await ActionTalkToPerson().run(dispatcher, make_tracker(text="/talk_to_person", intent="talk_to_person"), {})
    # Never pretend someone is on their way when the request has not reached anyone yet.
    assert [m["response"] for m in dispatcher.messages] == ["utter_person_queued"]
    assert Outbox.from_env().pending_count() == 1


def _tracker_after(previous_response: str | None, intent: str) -> Tracker:
    events = [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}]
    if previous_response:
        events.append({"event": "bot", "text": "...", "metadata": {"utter_action": previous_response}})
    latest = {"text": "zzzz", "intent": {"name": intent, "confidence": 0.1}, "entities": []}
    events.append({"event": "user", "text": "zzzz", "parse_data": latest})
    return Tracker("s", {}, latest, events, False, None, {}, "action_listen")


async def test_not_understood_once_offers_the_three_choices() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionKindFallback().run(dispatcher, _tracker_after("utter_greet", "nlu_fallback"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]
    assert events == []


async def test_not_understood_twice_in_a_row_offers_a_person() -> None:
    for previous in ("utter_default", "utter_out_of_scope"):
        dispatcher = CollectingDispatcher()
        await ActionKindFallback().run(dispatcher, _tracker_after(previous, "nlu_fallback"), {})
        assert [m["response"] for m in dispatcher.messages] == ["utter_fallback_offer_person"]


async def test_out_of_scope_gets_a_kind_answer_and_a_core_fallback_is_reverted() -> None:
    dispatcher = CollectingDispatcher()
    await ActionKindFallback().run(dispatcher, _tracker_after(None, "out_of_scope"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]

    # No rule fitted (e.g. "hello" where a button answer was expected): answer, then let the form carry on.
    events = await ActionKindFallback().run(CollectingDispatcher(), _tracker_after(None, "greet"), {})
    assert events == [UserUtteranceReverted()]


async def test_after_an_anonymous_complaint_a_person_request_leaves_it_out_and_says_so(
    backend: RunningBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text="can i talk to a real person",
        intent="talk_to_person",
        slots={ANONYMOUS_SENT_SLOT: 1_700_000_100.0},
    )
    tracker.events = [
        {"event": "user", "text": "the night staff shout at us every night", "timestamp": 1_700_000_000.0},
        {"event": "bot", "text": "Thank you. I've sent it. As it's anonymous, nobody will reply to you in person."},
        {"event": "slot", "name": ANONYMOUS_SENT_SLOT, "value": 1_700_000_100.0},
        {"event": "bot", "text": "Would you like an advocate?", "timestamp": 1_700_000_101.0},
        {"event": "user", "text": "no thanks", "timestamp": 1_700_000_110.0},
        *tracker.events,
    ]
    await ActionTalkToPerson().run(dispatcher, tracker, {})

    # Told before anyone joins: they can read this chat, but not what was sent anonymously.
    assert [m["response"] for m in dispatcher.messages] == ["utter_person_asked", "utter_person_not_anonymous_part"]
    (alert,) = backend.rows("alerts")
    assert "shout at us" not in alert["preceding_turns"]
    assert "anonymous" not in alert["preceding_turns"]
    assert "no thanks" in alert["preceding_turns"]  # what came after is what the person needs
