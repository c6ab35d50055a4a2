"""One real detector (spaCy pipeline + YAML + classifier trained from the real
examples file) shared by the safeguarding tests: building it takes seconds."""

from __future__ import annotations

import pytest

from bot.safeguarding.detector import SafeguardingDetector


@pytest.fixture(scope="session")
def detector() -> SafeguardingDetector:
    detector = SafeguardingDetector()
    detector.train_classifier()
    return detector


@pytest.fixture(scope="session")
def patterns_only() -> SafeguardingDetector:
    return SafeguardingDetector()
