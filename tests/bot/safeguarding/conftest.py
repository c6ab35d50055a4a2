"""One real detector (spaCy pipeline + YAML + classifier trained from the real
examples file) shared by the safeguarding tests: building it takes seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safeguarding.conversation import nlu_examples, ordinary_messages
from bot.safeguarding.detector import SafeguardingDetector

_SETS = ("dev_set.yml", "regression_set.yml")


@pytest.fixture(scope="session")
def detector() -> SafeguardingDetector:
    """Trained as `rasa train` trains it: examples file plus everyday NLU messages,
    never including a sentence of the sets the tests measure."""
    detector = SafeguardingDetector()
    measured = [
        str(item["text"])
        for name in _SETS
        for item in yaml.safe_load(Path(__file__).with_name(name).read_text())["items"]
    ]
    detector.train_classifier(extra_negatives=ordinary_messages(nlu_examples(), detector, exclude=measured))
    return detector


@pytest.fixture(scope="session")
def patterns_only() -> SafeguardingDetector:
    return SafeguardingDetector()
