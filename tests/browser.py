"""Debian's Chromium under Playwright, launched the same way by every browser test (backend and end-to-end).

The `browser` fixture in tests/conftest.py uses this; tests open their own pages on it
(viewport, locale and time zone are per page: `browser.new_page(viewport=...)`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
# Debian's package (scripts/ensure_chromium.sh installs it), not a browser Playwright downloads.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests may run as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",  # the live alerts page beeps before anyone clicks
]


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Chromium with CHROMIUM_ARGS; a missing browser fails with how to get it."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh (make test does)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A launched Chromium for code outside a test's fixtures; closed on leaving."""
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()
