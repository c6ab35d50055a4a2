"""The stored conversation never holds an access code, or a reference written in text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import RedactingSQLTrackerStore, redact_event

DOMAIN = Domain.from_path("domain")
# A sealed reference as actions/sealed.py makes it (any Fernet token).
SEALED = Fernet(Fernet.generate_key()).encrypt(b"CMP-7K4Q-2M").decode()
RECEIPT = "Thank you. I've sent it.\nYour reference is CMP-7K4Q-2M and your code is 3R44J3. Write them down."


def _store(tmp_path: Path) -> tuple[RedactingSQLTrackerStore, Path]:
    db = tmp_path / "tracker.sqlite3"
    return RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)), db


async def test_the_receipt_is_stored_without_the_code_or_the_reference(tmp_path: Path) -> None:
    store, db = _store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "child-1",
        [
            ActionExecuted("action_listen"),
            UserUttered("the food is always cold", intent={"name": "make_complaint", "confidence": 1.0}),
            BotUttered(RECEIPT),
            SlotSet("last_reference", SEALED),
        ],
        slots=DOMAIN.slots,
    )
    await store.save(tracker)

    stored = db.read_bytes()
    assert b"3R44J3" not in stored
    assert b"code is [code removed]" in stored
    reloaded = await store.retrieve("child-1")
    assert reloaded is not None
    bot_texts = [e.text for e in reloaded.events if isinstance(e, BotUttered)]
    assert bot_texts == [RECEIPT.replace("CMP-7K4Q-2M", "[reference removed]").replace("3R44J3", "[code removed]")]
    # The advocate offer on the next turn still knows which complaint it is about.
    assert reloaded.get_slot("last_reference") == SEALED
    assert b"7K4Q" not in stored
    # The child's own words stay: the conversation goes on from them.
    assert any(isinstance(e, UserUttered) and e.text == "the food is always cold" for e in reloaded.events)


async def test_a_code_typed_to_check_on_a_complaint_is_never_stored(tmp_path: Path) -> None:
    store, db = _store(tmp_path)
    tracker = DialogueStateTracker.from_events(
        "child-2",
        [
            ActionExecuted("action_listen"),
            UserUttered("4KX9PQ", intent={"name": "inform", "confidence": 1.0}),
            SlotSet("status_access_code", "4KX9PQ"),
            SlotSet("status_reference", "ref cmp-7k4q-2m"),  # as typed, before the form seals it
            UserUttered("hows it going ref cmp 7k4q 2m code 3r44j3", intent={"name": "check_status"}),
        ],
        slots=DOMAIN.slots,
    )
    await store.save(tracker)
    stored = db.read_bytes().upper()
    assert b"4KX9PQ" not in stored
    assert b"3R44J3" not in stored
    assert b"7K4Q" not in stored


async def test_a_second_save_adds_only_the_new_events(tmp_path: Path) -> None:
    store, db = _store(tmp_path)
    tracker = DialogueStateTracker.from_events("child-3", [ActionExecuted("action_listen"), BotUttered(RECEIPT)])
    await store.save(tracker)
    tracker.update(UserUttered("thanks"))
    await store.save(tracker)
    with sqlite3.connect(db) as conn:
        types = [row[0] for row in conn.execute("SELECT type_name FROM events ORDER BY id")]
    assert types == ["action", "bot", "user"]


def test_other_slots_and_plain_words_are_left_alone() -> None:
    event = {"event": "slot", "name": "what_happened", "value": "my tv broke", "timestamp": 1.0}
    assert redact_event(event) == event
    assert redact_event({"event": "slot", "name": "status_access_code", "value": "4KX9PQ"})["value"] is None
    plain = {"event": "slot", "name": "last_reference", "value": "CMP-7K4Q-2M"}
    assert redact_event(plain)["value"] == "[reference removed]"  # only a sealed reference is kept
