"""Take references and access codes out of conversation turns before staff see them.

An access code is a credential and a reference can point back to an anonymous
child's submission: neither belongs in an alert or a concern, where people who
run the home read the conversation. What is left keeps the conversation readable.
"""

from __future__ import annotations

import re

# The backend's alphabet (backend/codes.py): no 0, 1, I, L, O, U.
_CHARS = "2-9A-HJKMNP-TV-Z"
_REFERENCE = re.compile(rf"\b(?:CMP|CMT|THX)\s*-?\s*[{_CHARS}]{{4}}\s*-?\s*[{_CHARS}]{{2}}\b", re.IGNORECASE)
# "code is 3R44J3", "code: 3r44j3", "code 3R4 4J3", "pin 3R44J3"
_NAMED_CODE = re.compile(
    rf"\b((?:code|pin|passcode|password)\W{{0,3}}(?:is\W{{0,3}})?)[{_CHARS}]{{3}}\s?[{_CHARS}]{{3}}\b", re.IGNORECASE
)
# Beside a reference, a code needs no word before it ("CMP-7K4Q-2M 3r44j3", as the status
# check now reads it: actions/status.py): any six of the alphabet with a digit among them.
_LOOSE_CODE = re.compile(rf"\b(?=[{_CHARS}]{{0,5}}\d)[{_CHARS}]{{6}}\b", re.IGNORECASE)
# A message that is nothing but a code, as typed when the bot asks for it: letters and digits mixed.
_BARE_CODE = re.compile(
    rf"^\s*(?=[{_CHARS}\s]*\d)(?=[{_CHARS}\s]*[A-Z])[{_CHARS}]{{3}}\s?[{_CHARS}]{{3}}\s*$", re.IGNORECASE
)

REFERENCE_REMOVED = "[reference removed]"
CODE_REMOVED = "[code removed]"


def redact(text: str) -> str:
    if _BARE_CODE.match(text):
        return CODE_REMOVED
    text, references = _REFERENCE.subn(REFERENCE_REMOVED, text)
    text = _NAMED_CODE.sub(lambda m: m.group(1) + CODE_REMOVED, text)
    return _LOOSE_CODE.sub(CODE_REMOVED, text) if references else text


def without(text: str, secrets: frozenset[str]) -> str:
    """`text` with each of `secrets` (codes known to be in this turn) taken out, in any case."""
    for secret in secrets:
        text = re.sub(re.escape(secret), CODE_REMOVED, text, flags=re.IGNORECASE)
    return text
