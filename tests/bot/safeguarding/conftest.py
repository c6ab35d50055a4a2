"""The detector the Rasa model ships (spaCy pipeline + YAML + the classifier trained by
`make train`), shared by the safeguarding tests. Loading it takes seconds; training it
again here would take minutes, and would test a model nobody runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safeguarding.classifier import load_from_rasa_model
from bot.safeguarding.detector import SafeguardingDetector

MODEL = Path(__file__).resolve().parents[3] / "models" / "current.tar.gz"


@pytest.fixture(scope="session")
def detector(tmp_path_factory: pytest.TempPathFactory) -> SafeguardingDetector:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does)")
    # Its training never saw a message of the measured sets (component.py leaves them out).
    return SafeguardingDetector(classifier=load_from_rasa_model(MODEL, tmp_path_factory.mktemp("shipped")))


@pytest.fixture(scope="session")
def patterns_only() -> SafeguardingDetector:
    return SafeguardingDetector()
