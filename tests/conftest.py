"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module (tests/browser.py); each test opens its own pages on it."""
    # Imported here, not at the top: the Rasa environment (tests/actions, tests/bot) has no Playwright.
    from tests.browser import chromium

    with chromium() as launched:
        yield launched
