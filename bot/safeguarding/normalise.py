"""Turn text-speak and common misspellings into plain English before matching.

The word list and context rules live in normalise.yml so a safeguarding lead can
extend them; this module only applies them. Pure Python, no spaCy import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_RULES_PATH = Path(__file__).with_name("normalise.yml")

_WORD = re.compile(r"[a-z0-9@$']+")
_REPEAT = re.compile(r"([a-z])\1{2,}")  # three or more of the same letter
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_INSIDE = re.compile(r"[a-z][0-9@$][a-z]")  # k1ll, su1c1de; not 3am, year10s
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "`": "'"})


@dataclass(frozen=True)
class NormaliseRules:
    words: dict[str, str] = field(default_factory=dict)
    emoji: dict[str, str] = field(default_factory=dict)
    phrases: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    lemma_fixes: dict[str, str] = field(default_factory=dict)  # used by the detector after spaCy

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_RULES_PATH) -> NormaliseRules:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        words = {str(k).lower(): str(v) for k, v in (data.get("words") or {}).items()}
        phrases = [(re.compile(p), r) for p, r in (data.get("phrases") or [])]
        fixes = {str(k): str(v) for k, v in (data.get("lemma_fixes") or {}).items()}
        emoji = {str(k): str(v) for k, v in (data.get("emoji") or {}).items()}
        return cls(words=words, emoji=emoji, phrases=phrases, lemma_fixes=fixes)


class Normaliser:
    """Applies NormaliseRules. `known` says whether a word is English (for
    squashing repeated letters and restoring dropped g's); without it only the
    word list and context rules apply, and repeats shrink to two letters."""

    def __init__(self, rules: NormaliseRules | None = None, known: Container[str] | None = None) -> None:
        self.rules = rules or NormaliseRules.from_yaml()
        self._known: Callable[[str], bool] = (lambda w: w in known) if known is not None else (lambda w: False)
        # Longest first, and any variation selector after the picture goes with it.
        symbols = sorted(self.rules.emoji, key=len, reverse=True)
        self._emoji_pattern = re.compile("(" + "|".join(map(re.escape, symbols)) + ")\ufe0f?" if symbols else "(?!)")

    def __call__(self, text: str) -> str:
        text = text.translate(_QUOTES).lower()
        if self.rules.emoji:
            text = self._emoji_pattern.sub(lambda m: f" {self.rules.emoji[m.group(1)]} ", text)
        text = _WORD.sub(lambda m: self._word(m.group(0)), text)
        for pattern, replacement in self.rules.phrases:
            text = pattern.sub(replacement, text)
        return re.sub(r"\s+", " ", text).strip()

    def word(self, token: str) -> str:
        """One token as plain English ("u" -> "you", "😭" -> "crying"); the same words the
        detector reads, for the intent classifier's features (bot/normalising_tokenizer.py)."""
        token = token.translate(_QUOTES).lower()
        emoji = self._emoji_pattern.fullmatch(token)
        if emoji:
            return self.rules.emoji[emoji.group(1)]
        return self._word(token) if _WORD.fullmatch(token) else token

    def _word(self, word: str) -> str:
        words = self.rules.words
        if word in words:
            return words[word]
        if _REPEAT.search(word):
            word = self._squash(word)
            if word in words:
                return words[word]
        if _LEET_INSIDE.search(word):
            plain = word.translate(_LEET)
            word = words.get(plain, plain)
        if word.endswith("in") and len(word) > 4 and not self._known(word) and self._known(word + "g"):
            word += "g"  # hurtin -> hurting, self harmin -> self harming
        return word

    def _squash(self, word: str) -> str:
        """pleeease -> please, hellllp -> help, sooo -> soo (then the word list)."""
        single = _REPEAT.sub(r"\1", word)
        if self._known(single) or single in self.rules.words:
            return single
        return _REPEAT.sub(r"\1\1", word)


def normalise(text: str) -> str:
    """Convenience: normalise with the default rules and no dictionary."""
    return Normaliser()(text)
