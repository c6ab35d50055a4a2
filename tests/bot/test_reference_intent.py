"""A reference in the message is a status check, whatever the classifier made of the words."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.reference_intent import ReferenceIntent, status_intent


def _parsed(text: str, intent: str) -> str:
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.3}})
    (out,) = ReferenceIntent().process([message])
    return out.get(INTENT)["name"]


@pytest.mark.parametrize(
    ("text", "classified"),
    [
        # What the trained model answered before this component, each a status check.
        ("CMP-8E8X-T7 M4TV3Y", "nlu_fallback"),
        ("code M4TV3Y ref CMP 8E8X T7 hows it going", "lost_code"),
        ("ref CMP-8E8X-T7 code M4TV3Y", "lost_code"),
        ("3R44J3 cmt-2pev-4c", "nlu_fallback"),
        ("my code is 3p5vfm", "lost_code"),  # typed when asked for the code: not lost
        ("hows my complaint going? ref CMP-2PEV-4C code 3R44J3", "check_status"),
    ],
)
def test_a_reference_or_a_plain_code_means_checking(text: str, classified: str) -> None:
    assert _parsed(text, classified) == "check_status"


@pytest.mark.parametrize(
    ("text", "classified"),
    [
        ("I've lost my code", "lost_code"),
        ("I want to complain again about CMP-7K4Q-2M, nothing changed", "make_complaint"),
        ("CMP-7K4Q-2M he hits me", "feel_unsafe"),
        ("stop CMP-7K4Q-2M", "stop"),
        ('/choose_answer{"answer": "CMP-7K4Q-2M"}', "choose_answer"),
        ("thanks", "affirm"),
    ],
)
def test_everything_else_keeps_its_intent(text: str, classified: str) -> None:
    assert _parsed(text, classified) == classified


def test_no_intent_at_all_is_left_alone_without_a_reference() -> None:
    assert not status_intent("hello", None)
