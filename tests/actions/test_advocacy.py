"""Asking for an advocate, after a complaint or on its own, against a real backend."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.advocacy import (
    ActionDeclineAdvocate,
    ActionNoteAdvocateWanted,
    ActionRequestAdvocate,
    ValidateAdvocateForm,
)
from actions.feedback import ActionSubmitFeedback
from actions.sealed import seal, unseal
from tests.actions.conftest import RunningBackend, make_tracker

NAMED_COMPLAINT = {
    "kind": "complaint",
    "kind_confirmed": True,
    "what_happened": "They stopped my pocket money and nobody said why",
    "desired_outcome": "Get it back",
    "anonymous": False,
    "first_name": "Sam",
    "submit_confirmed": True,
}


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_every_complaint_is_followed_by_an_advocate_offer(backend: RunningBackend) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(dispatcher, make_tracker(NAMED_COMPLAINT), {})
    assert dispatcher.messages[-1]["response"] == "utter_offer_advocate"
    slots = _slots(events)
    assert slots["advocate_offered"] is True
    # Kept for the next turn, but sealed: the stored conversation cannot show which complaint it made.
    assert not slots["last_reference"].startswith("CMP-")
    assert (unseal(slots["last_reference"]) or "").startswith("CMP-")
    assert slots["last_first_name"] == "Sam"


async def test_a_thank_you_gets_no_advocate_offer_unless_the_child_asked(backend: RunningBackend) -> None:
    thanks = {"kind": "compliment", "what_happened": "Jo was kind", "about_whom": "Jo", "anonymous": True}
    plain = CollectingDispatcher()
    await ActionSubmitFeedback().run(plain, make_tracker({**thanks, "submit_confirmed": True}), {})
    assert all(m.get("response") != "utter_offer_advocate" for m in plain.messages)

    asked = CollectingDispatcher()
    events = await ActionSubmitFeedback().run(
        asked, make_tracker({**thanks, "submit_confirmed": True, "advocate_wanted": True}), {}
    )
    assert asked.messages[-1]["response"] == "utter_offer_advocate"
    assert _slots(events)["last_reference"] is None  # nothing to share: a thank you is not linked


async def test_yes_with_consent_links_the_request_to_the_complaint(backend: RunningBackend) -> None:
    events = await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(NAMED_COMPLAINT), {})
    offered = _slots(events)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({**offered, "advocate_consent": True}, sender_id="conv-7", metadata={"home": "oak-house"})
    after = _slots(await ActionRequestAdvocate().run(dispatcher, tracker, {}))

    (row,) = backend.rows("advocacy_requests")
    assert row["submission_id"] is not None
    assert row["consent_to_share"] == 1
    assert row["first_name"] == "Sam"
    assert row["conversation_id"] == "conv-7"
    assert row["home_code"] == "oak-house"
    assert "advocate" in dispatcher.messages[0]["text"].lower()
    assert after["advocate_offered"] is None and after["last_reference"] is None


async def test_the_child_is_not_told_we_asked_the_provider_when_nobody_could_be_told(backend: RunningBackend) -> None:
    """This backend has no provider address or webhook: the words say staff will pass it on."""
    dispatcher = CollectingDispatcher()
    await ActionRequestAdvocate().run(dispatcher, make_tracker({"anonymous": False, "first_name": "Sam"}), {})
    text = dispatcher.messages[0]["text"]
    assert text.startswith("Done. I've saved your request for an advocate.\n")
    assert "a member of staff will pass it on" in text
    assert "We have asked" not in text and "get in touch" not in text
    (row,) = backend.rows("advocacy_requests")
    assert row["provider_notice"] == "not_configured"


async def test_no_consent_is_recorded_as_no(backend: RunningBackend) -> None:
    offered = _slots(await ActionSubmitFeedback().run(CollectingDispatcher(), make_tracker(NAMED_COMPLAINT), {}))
    await ActionRequestAdvocate().run(CollectingDispatcher(), make_tracker({**offered, "advocate_consent": False}), {})
    (row,) = backend.rows("advocacy_requests")
    assert row["consent_to_share"] == 0
    assert row["submission_id"] is not None


async def test_asking_on_its_own_anonymously_sends_no_name_and_no_conversation(backend: RunningBackend) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"anonymous": True, "first_name": "Sam"}, sender_id="conv-8")
    await ActionRequestAdvocate().run(dispatcher, tracker, {})
    (row,) = backend.rows("advocacy_requests")
    assert row["submission_id"] is None
    assert row["anonymous"] == 1
    assert row["first_name"] is None
    assert row["conversation_id"] is None
    assert row["consent_to_share"] == 0
    assert "won't know your name" in dispatcher.messages[0]["text"]


async def test_backend_down_keeps_the_link_for_try_again(backend: RunningBackend, fast_retry: None) -> None:
    backend.stop()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"last_reference": seal("CMP-2222-22"), "advocate_consent": True, "advocate_offered": True})
    events = _slots(await ActionRequestAdvocate().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_advocate_failed"
    assert "last_reference" not in events


async def test_no_thanks_clears_the_offer() -> None:
    dispatcher = CollectingDispatcher()
    slots = _slots(await ActionDeclineAdvocate().run(dispatcher, make_tracker({"advocate_offered": True}), {}))
    assert dispatcher.messages[0]["response"] == "utter_no_advocate"
    assert slots["advocate_offered"] is None and slots["last_reference"] is None


async def test_asking_mid_form_is_remembered() -> None:
    slots = _slots(await ActionNoteAdvocateWanted().run(CollectingDispatcher(), make_tracker(), {}))
    assert slots == {"advocate_wanted": True}


async def test_form_asks_consent_after_a_complaint_and_name_choice_on_its_own() -> None:
    form = ValidateAdvocateForm()
    linked = await form.required_slots([], CollectingDispatcher(), make_tracker({"last_reference": "CMP-2222-22"}), {})
    alone = await form.required_slots([], CollectingDispatcher(), make_tracker({"anonymous": False}), {})
    assert linked == ["advocate_consent"]
    assert alone == ["anonymous", "first_name"]
