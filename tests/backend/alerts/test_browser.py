"""The live alerts page in Debian's Chromium: a new alert appears without reload with highlight, badge, title
flash and beep; a child's HTML never runs; acknowledging from the alert page records who.

How fast a row appears is measured by `make benchmark` (scripts/benchmark.py), not here.
A screenshot goes to test-output/screenshots/alerts-live.png.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from backend.config import Settings
from backend.db import migrate
from tests.backend.alerts_support import add_lead, raise_alert
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.backend.server import BackendThread
from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.browser

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> he hurt me'
# Counts the page's beeps: every beep makes oscillators through the Web Audio API.
COUNT_BEEPS = """
window.__beeps = 0;
const original = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__beeps += 1; return original.call(this); };
"""


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendThread]:
    db_file = tmp_path_factory.mktemp("alerts-browser") / "backend.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_file}", service_token=SERVICE_TOKEN, reminder_time=None)
    migrate(settings.database_url)
    asyncio.run(add_lead(settings))
    server = BackendThread(settings).start()
    yield server
    server.stop()


def _logged_in(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.add_init_script(COUNT_BEEPS)
    page.goto(f"{url}/staff/login")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/alerts")
    expect(page.locator("#live-status")).to_have_text("Live")
    page.click("#sound-toggle")
    expect(page.locator("#sound-toggle")).to_have_text("Sound on")
    return page, problems


def test_a_new_alert_appears_live_with_every_cue_and_escaped(backend: BackendThread, browser: Browser) -> None:
    page, problems = _logged_in(browser, backend.url)
    expect(page.locator("#open-count")).to_have_text("0 open")
    alert_id = raise_alert(backend, "browser-xss-0001", XSS, severity="immediate")
    row = page.locator(f'tr[data-id="{alert_id}"]')
    expect(row).to_be_visible(timeout=10_000)  # arrives without reload; speed is for scripts/benchmark.py
    expect(row).to_have_class("alert-row row-sev-immediate status-new fresh")
    expect(row.locator("td.clip")).to_have_text(XSS)  # shown as text
    expect(page.locator("#open-count")).to_have_text("1 open")
    expect(page).to_have_title(re.compile("NEW SAFEGUARDING ALERT"), timeout=3000)
    assert page.evaluate("window.__beeps") >= 1
    assert page.evaluate("window.__pwned") is None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "alerts-live.png"), full_page=True)

    # The alert page: the child's words escaped, acknowledge records who.
    row.locator("a.ref").click()
    page.wait_for_url(f"**/staff/alerts/{alert_id}")
    expect(page.locator("#child-message")).to_have_text(XSS)
    assert page.evaluate("window.__pwned") is None
    page.click("text=Acknowledge: I am dealing with this")
    # No display name of its own: staff see the role's name and the username.
    expect(page.locator(".statebox")).to_contain_text("Acknowledged by the safeguarding lead (lead)")
    page.screenshot(path=str(SCREENSHOTS / "alert-detail.png"), full_page=True)
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    page.close()
