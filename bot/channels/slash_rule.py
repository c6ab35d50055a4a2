"""Only the bot's own buttons may skip NLU and the safeguarding detector.

Rasa reads a message that starts with "/" as an intent written out
("/affirm", "/affirm@0.9 anything", '/affirm{"x": 1}'), and then runs neither
NLU nor the detector on it. A child can type a "/" too: "/ he hits me every
night" or "/affirm@1 he hits me" must be read as words. So a message is passed
on as it is only when it is EXACTLY one of the payloads the bot offers on a
button; any other message loses its leading slashes before Rasa sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

INTENT_PREFIX = "/"  # rasa.shared.constants.INTENT_MESSAGE_PREFIX

# Buttons the custom actions send (actions/*.py), which the domain does not list.
# tests/bot/channels/test_slash_rule.py fails when an action sends one missing here.
ACTION_PAYLOADS = frozenset({"/affirm", "/deny"})
# What the chat page itself sends: the greeting when a chat starts and "I don't feel safe".
PAGE_PAYLOADS = frozenset({"/greet", "/feel_unsafe"})

_LEADING = re.compile(r"^[\s/]+")


def domain_payloads(responses: dict[str, Any]) -> frozenset[str]:
    """Every intent payload ("/...") on a button in the domain's responses."""
    found: set[str] = set()
    for variations in responses.values():
        for variation in variations or []:
            if not isinstance(variation, dict):
                continue
            for button in variation.get("buttons") or []:
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str) and payload.startswith(INTENT_PREFIX):
                    found.add(payload.strip())
    return frozenset(found)


class ButtonPayloads:
    """The payloads a message may match exactly: the loaded domain's, the actions' and the page's."""

    def __init__(self, extra: Iterable[str] = ACTION_PAYLOADS | PAGE_PAYLOADS) -> None:
        self._extra = frozenset(extra)
        self._domain: object | None = None
        self._payloads: frozenset[str] = self._extra

    def for_domain(self, domain: Any) -> frozenset[str]:
        # Computed once per loaded domain; a new model (PUT /model) brings a new domain object.
        if domain is not self._domain:
            responses = getattr(domain, "responses", None) or {}
            self._payloads = domain_payloads(responses) | self._extra
            self._domain = domain
        return self._payloads


def read_as_words(text: str, payloads: frozenset[str]) -> str:
    """The text Rasa should get: a payload as it is, anything else without leading slashes."""
    stripped = text.strip()
    if stripped in payloads:
        return stripped
    # "/ /affirm" must not become "/affirm": slashes and spaces go together, all of them.
    return _LEADING.sub("", stripped)
