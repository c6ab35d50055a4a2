"""Check the action server's answers with a schema compiled once.

Rasa's RemoteAction._validate_action_result calls jsonschema.validate, which first
checks the schema itself against the JSON Schema meta-schema, at every action
call: 15 ms of the Rasa server's one event loop per call, about a quarter of a
turn (scripts/profile_turn.py). The same schema, compiled once, checks the
answer alone; an answer that fails still goes through Rasa's own method, so the
error and its message are Rasa's.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction


def install() -> None:
    """Replace RemoteAction's check with the compiled one (idempotent)."""
    original = RemoteAction._validate_action_result
    if getattr(original, "compiled_once", False):
        return
    spec = RemoteAction.action_response_format_spec()
    checker = validators.validator_for(spec)(spec)

    def validate_compiled(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            checker.validate(result)
        except ValidationError:
            return original(self, result)  # raises, with Rasa's message
        return True

    validate_compiled.compiled_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_compiled  # type: ignore[method-assign]
