"""The training messages are clean, labelled and never overlap what the tests measure."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR, NONE_LABEL, load_examples
from scripts.safeguarding_sets import CATEGORIES, load_items

SETS = Path(__file__).parent
NEAR_COPY = 0.85  # difflib ratio: above it, one message is the other with a word or two changed
MEASURED = ("dev_set.yml", "regression_set.yml", "fresh_batch_1.yml", "fresh_batch_2.yml", "heldback.yml")


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = _plain(text).split()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)} or {tuple(words)}


def _similarity(a: str, b: str) -> float:
    """difflib's ratio is not symmetric (its junk heuristic): take the larger of both ways."""
    return max(difflib.SequenceMatcher(None, a, b).ratio(), difflib.SequenceMatcher(None, b, a).ratio())


def _near_copy(a: str, b: str) -> bool:
    # quick_ratio() is an upper bound of ratio(): most pairs are ruled out without the slow part.
    if (
        max(difflib.SequenceMatcher(None, a, b).quick_ratio(), difflib.SequenceMatcher(None, b, a).quick_ratio())
        < NEAR_COPY
    ):
        return False
    return _similarity(a, b) >= NEAR_COPY


@pytest.fixture(scope="module")
def examples() -> list:
    return load_examples()


def test_there_are_thousands_from_several_writers(examples: list) -> None:
    writers = Counter(e.source for e in examples)
    assert len(examples) >= 4000
    assert len([w for w, n in writers.items() if n >= 300]) >= 6
    disclosures = [e for e in examples if e.is_disclosure]
    assert len(disclosures) >= 2000 and len(examples) - len(disclosures) >= 2000
    for category in CATEGORIES:
        assert sum(e.label == category for e in disclosures) >= 150, category


def test_every_label_and_strength_is_known(examples: list) -> None:
    assert {e.label for e in examples} <= {*CATEGORIES, NONE_LABEL}
    assert {e.strength for e in examples if e.is_disclosure} <= {None, "clear", "hint"}
    assert sum(e.strength == "hint" for e in examples) >= 500  # the concern tier learns from these


def test_no_message_is_there_twice(examples: list) -> None:
    counts = Counter(_plain(e.text) for e in examples)
    assert [t for t, n in counts.items() if n > 1] == []


def test_every_writer_file_says_who_wrote_it_and_how() -> None:
    for path in DEFAULT_TRAINING_DIR.glob("*.yml"):
        assert path.read_text(encoding="utf-8").startswith("# Safeguarding training messages, writer brief"), path


def test_nothing_measured_is_trained_on(examples: list) -> None:
    """Neither the same message nor a near copy of one: the sets stay a fair test."""
    index: dict[tuple[str, ...], set[str]] = {}
    for e in examples:
        for shingle in _shingles(e.text):
            index.setdefault(shingle, set()).add(_plain(e.text))
    for name in MEASURED:
        path = SETS / name
        if not path.exists():
            continue
        for item in load_items(path):
            text = _plain(item.text)
            near = set().union(*(index.get(s, set()) for s in _shingles(item.text)))
            copies = [t for t in near if _near_copy(text, t)]
            assert not copies, (name, item.text, copies[:1])


def test_issue_10_wrote_look_alikes_and_grooming_by_trusted_adults(examples: list) -> None:
    precision = [e for e in examples if e.source == "precision"]
    assert sum(e.label == NONE_LABEL for e in precision) >= 150
    assert sum(e.label == "sexual_exploitation_grooming" for e in precision) >= 60
