"""The handoff page in Debian's Chromium, against a real local stand-in for Rasa's HTTP API:
join, send a message, see the child's reply arrive by itself (escaped), hand back to the bot.

A screenshot goes to test-output/screenshots/handoff.png.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from playwright.sync_api import Browser, expect

from backend.alerts.settings import SafeguardingSettings
from backend.config import Settings
from backend.db import migrate
from tests.backend.alerts_support import RecordingHttpServer, add_lead, raise_alert
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.backend.server import BackendThread
from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.browser

CHILD_REPLY = 'im ok now <img src=x onerror="window.__pwned = 1"> can u stay'


class RasaStandIn:
    """RecordingHttpServer on its own event loop thread, so sync Playwright code can use it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = RecordingHttpServer()

    def start(self) -> RasaStandIn:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    def child_says(self, conversation: str, text: str) -> None:
        self.loop.call_soon_threadsafe(self.server.child_says, conversation, text)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BackendThread, RasaStandIn]]:
    rasa = RasaStandIn().start()
    db_file = tmp_path_factory.mktemp("handoff-browser") / "backend.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_file}", service_token=SERVICE_TOKEN, reminder_time=None)
    settings = replace(
        settings, safeguarding=SafeguardingSettings(rasa_url=rasa.server.url, rasa_token="stand-in-token")
    )
    migrate(settings.database_url)
    asyncio.run(add_lead(settings))
    server = BackendThread(settings).start()
    yield server, rasa
    server.stop()
    rasa.stop()


def test_staff_join_talk_see_the_reply_and_hand_back(
    stack: tuple[BackendThread, RasaStandIn], browser: Browser
) -> None:
    server, rasa = stack
    alert_id = raise_alert(server, "handoff-browser-1", "i dont feel safe here")
    page = browser.new_page(viewport={"width": 1180, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    page.goto(f"{server.url}/staff/login?next=/staff/alerts/{alert_id}")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/staff/alerts/{alert_id}")

    page.click("text=Join the conversation")
    page.wait_for_url(f"**/staff/alerts/{alert_id}/handoff")
    # The account has no display name of its own: the child meets its role, never the username.
    expect(page.locator("#pause-state")).to_have_text("Bot paused: the safeguarding lead is talking")
    expect(page.locator("#chat")).to_contain_text("Hi, I'm the safeguarding lead. I'm a person, not the bot.")

    page.fill("textarea[name=text]", "Are you somewhere safe right now?")
    page.click("text=Send")
    expect(page.locator("#chat")).to_contain_text("Are you somewhere safe right now?")

    rasa.child_says("tablet-conv-42", CHILD_REPLY)
    expect(page.locator("#chat li.line-child").last).to_contain_text(CHILD_REPLY, timeout=4000)  # by polling
    assert page.evaluate("window.__pwned") is None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "handoff.png"), full_page=True)

    page.click("text=Hand back to the bot")
    page.wait_for_url(f"**/staff/alerts/{alert_id}")
    expect(page.locator("#history")).to_contain_text("handoff ended")
    assert rasa.server.events["tablet-conv-42"][-1]["event"] == "resume"
    page.close()
