"""One rule for a home's code, and the chat channel's copy of it agrees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.home_codes import MAX_LENGTH, is_home_code

CHAT_REQUEST = Path(__file__).resolve().parents[2] / "bot/channels/chat_request.py"


@pytest.mark.parametrize("code", ["oak-house", "home_1", "St.Marys", "A" * MAX_LENGTH])
def test_codes_staff_type_are_accepted(code: str) -> None:
    assert is_home_code(code)


@pytest.mark.parametrize("code", ["", "oak house", "home/1", "<b>", "A" * (MAX_LENGTH + 1), "café"])
def test_anything_else_is_refused(code: str) -> None:
    assert not is_home_code(code)


def test_the_chat_channel_checks_home_codes_by_the_same_rule() -> None:
    """The chat runs in Rasa's environment and cannot import the backend, so it keeps a copy."""
    found = re.search(r'HOME_CODE = re\.compile\(r"(.+?)"\)', CHAT_REQUEST.read_text())
    assert found, "bot/channels/chat_request.py no longer defines HOME_CODE"
    chat_rule = re.compile(found.group(1))
    for code in ["oak-house", "home_1", "St.Marys", "A" * MAX_LENGTH, "", "oak house", "A" * (MAX_LENGTH + 1), "café"]:
        assert bool(chat_rule.match(code)) == is_home_code(code), code
