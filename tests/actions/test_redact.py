"""References and access codes are taken out of what staff read."""

from __future__ import annotations

import pytest

from actions.redact import CODE_REMOVED, REFERENCE_REMOVED, redact


def test_the_bots_receipt_loses_its_reference_and_code() -> None:
    receipt = "Sent! Your reference is CMP-7K4Q-2M and your code is 3R44J3. Keep them safe."
    expected = f"Sent! Your reference is {REFERENCE_REMOVED} and your code is {CODE_REMOVED}. Keep them safe."
    assert redact(receipt) == expected


@pytest.mark.parametrize(
    "typed",
    ["hows my complaint going? ref CMP-2PEV-4C code 3R44J3", "cmp 2pev 4c, code: 3r4 4j3", "THX-AB23-CD code 9XY7Z2"],
)
def test_what_a_child_types_to_check_a_complaint_loses_them_too(typed: str) -> None:
    cleaned = redact(typed).upper()
    assert "2PEV" not in cleaned and "AB23" not in cleaned
    assert "3R44J3" not in cleaned.replace(" ", "") and "9XY7Z2" not in cleaned


def test_a_code_typed_on_its_own_is_removed() -> None:
    assert redact("3r44j3") == CODE_REMOVED
    assert redact(" 3R4 4J3 ") == CODE_REMOVED


@pytest.mark.parametrize("text", ["my dad hits me", "ABCDEF", "year10", "i have 2 brothers and 3 sisters", "lol 12345"])
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert redact(text) == text
