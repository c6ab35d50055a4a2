"""Split a message into the parts the classifier reads on their own.

A disclosure in the middle of a long, ordinary complaint is diluted by the words
around it when the classifier reads the whole message. So it also reads each
sentence, and each window of a long sentence written with no punctuation at all.
Pure Python: no spaCy, so it is cheap and easy to test.
"""

from __future__ import annotations

import re

# Sentence ends, plus line breaks and the emoji children use as full stops.
_SENTENCE_BREAK = re.compile(r"[.!?;\n]+|\s[\u2600-\u27bf\U0001f300-\U0001faff]+(?:\s|$)")
WINDOW_WORDS = 14  # about one spoken sentence
WINDOW_STEP = 7
LONG_SENTENCE_WORDS = 20
MIN_WORDS = 2


def segments(text: str) -> list[str]:
    """The sentences of `text`, and overlapping windows of any long run-on sentence.

    The whole text is not included (the caller reads it anyway); a message of one
    short sentence gives no segments."""
    parts: list[str] = []
    for sentence in _SENTENCE_BREAK.split(text):
        words = sentence.split()
        if len(words) < MIN_WORDS:
            continue
        if len(words) <= LONG_SENTENCE_WORDS:
            parts.append(" ".join(words))
            continue
        for start in range(0, len(words) - WINDOW_STEP, WINDOW_STEP):
            parts.append(" ".join(words[start : start + WINDOW_WORDS]))
    whole = " ".join(text.split())
    unique = list(dict.fromkeys(p for p in parts if p != whole))
    return unique
