"""What a home's code may be: the one definition the API, the staff pages and the chat use.

A home code is typed by staff on the homes page and on a tablet's set-up page, and
travels in URLs and filters: letters, digits, '.', '-' and '_', at most 64 characters.
(The chat channel runs in Rasa's own environment and keeps a copy of the pattern in
bot/channels/chat_request.py; tests/backend/test_home_codes.py checks the two agree.)
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

MAX_LENGTH = 64
PATTERN = r"^[A-Za-z0-9_.-]+$"
_FULL = re.compile(rf"^[A-Za-z0-9_.-]{{1,{MAX_LENGTH}}}$")

HomeCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LENGTH, pattern=PATTERN)
]

# A safeguarding alert or concern is never refused for its home: a refused alert is the worst
# outcome, so any printable label is kept as sent (and escaped wherever it is shown).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
AlertHomeLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LENGTH, pattern=PRINTABLE)
]


def is_home_code(text: str) -> bool:
    return bool(_FULL.match(text))
