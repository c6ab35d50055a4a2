"""Everyday conversation as negatives for the safeguarding classifier.

Children's ordinary messages (the NLU training data of every intent except the
safety ones: "keep it anonymous", "can I have an advocate", "when will I hear
back") teach the classifier what is *not* a disclosure. A sentence the patterns
flag is never used as a negative, so a risky example in the NLU data cannot teach
the classifier to ignore risk.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR
from bot.safeguarding.detector import SafeguardingDetector

NLU_DIR = DEFAULT_TRAINING_DIR.parents[2] / "data" / "nlu"
# The labelled sets the tests and evaluations measure: never trained on.
MEASURED_DIR = DEFAULT_TRAINING_DIR.parents[2] / "tests" / "bot" / "safeguarding"
# Never taught to the detector as ordinary talk: a feeling ("im scared all the time") or a worry
# about speaking up ("will I get in trouble if I tell") can be the start of a disclosure.
SAFETY_INTENTS = frozenset({"feel_unsafe", "share_feeling", "worry_consequences"})
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]+\)|\{[^}]+\})")


def nlu_examples(directory: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(intent, text) pairs from Rasa NLU YAML files, entity annotations removed."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            if "intent" not in item or "examples" not in item:
                continue
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pairs.append((item["intent"], _ANNOTATION.sub(r"\1", line[2:]).strip()))
    return pairs


def measured_texts(directory: Path = MEASURED_DIR) -> list[str]:
    """Every message of the labelled sets (dev, regression, fresh batches, held back)."""
    texts: list[str] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts += [str(item["text"]) for item in data.get("items") or [] if isinstance(item, dict) and "text" in item]
    return texts


def ordinary_messages(
    pairs: Iterable[tuple[str | None, str]], detector: SafeguardingDetector, exclude: Iterable[str] = ()
) -> list[str]:
    excluded = {text.strip().lower() for text in exclude}
    return [
        text
        for intent, text in pairs
        if intent not in SAFETY_INTENTS
        and text
        and not text.startswith("/")
        and text.strip().lower() not in excluded
        and not detector.pattern_matches(text)[0]
    ]
