"""bot/action_answer_check.py: the same verdicts as Rasa's own check, with the schema compiled once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_answer_check

GOOD = {"events": [{"event": "slot", "name": "kind", "value": "complaint"}], "responses": [{"text": "Thank you."}]}
BAD = {"events": "not a list", "responses": []}


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    action_answer_check.install()
    action_answer_check.install()  # a second call changes nothing


def test_a_good_answer_passes() -> None:
    assert RemoteAction("action_x", None)._validate_action_result(GOOD) is True


def test_a_bad_answer_fails_with_rasas_own_message() -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(BAD)


def test_it_is_installed_once() -> None:
    assert getattr(RemoteAction._validate_action_result, "compiled_once", False)
