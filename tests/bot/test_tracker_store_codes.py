"""Codes said without the word "code" are read now (issue 10), so they must never be stored either."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.redact import redact
from bot.tracker_store import RedactingSQLTrackerStore

DOMAIN = Domain.from_path("domain")


@pytest.mark.parametrize(
    "text",
    [
        "CMP-7K4Q-2M 3R44J3",
        "can u check cmp-7k4q-2m 3r44j3 pls",
        "3r44j3 cmp 7k4q 2m",
        "ref CMP-7K4Q-2M pin 3R44J3",
    ],
)
def test_a_code_beside_a_reference_is_taken_out(text: str) -> None:
    cleaned = redact(text)
    assert "3R44J3" not in cleaned.upper()
    assert "7K4Q" not in cleaned.upper()


def test_a_six_letter_word_beside_a_reference_stays() -> None:
    assert redact("CMP-7K4Q-2M thanks") == "[reference removed] thanks"


async def test_a_code_in_a_sentence_answering_the_code_question_is_never_stored(tmp_path: Path) -> None:
    db = tmp_path / "tracker.sqlite3"
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db))
    tracker = DialogueStateTracker.from_events(
        "child-1",
        [
            ActionExecuted("action_listen"),
            # "its 3r44j3" has no word "code" and no reference: only the slot it filled says it is one.
            UserUttered("its 3r44j3", intent={"name": "nlu_fallback", "confidence": 0.3}),
            SlotSet("status_access_code", "its 3r44j3"),
        ],
        slots=DOMAIN.slots,
    )

    await store.save(tracker)

    stored = db.read_bytes().upper()
    assert b"3R44J3" not in stored
    reloaded = await store.retrieve("child-1")
    assert reloaded is not None
    assert [e.text for e in reloaded.events if isinstance(e, UserUttered)] == ["its [code removed]"]
