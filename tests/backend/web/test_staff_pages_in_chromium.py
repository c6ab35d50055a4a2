"""Staff pages in Debian's Chromium: log in, find an overdue case, acknowledge it, record a Stage 1 response.

Screenshots of the case list and a case page (laptop and tablet sizes) go to test-output/screenshots/.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from backend.auth import hash_password
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker, migrate
from backend.deadlines import local_date
from backend.models import StaffUser
from backend.staff.models import Home, HomeManager
from backend.timeutil import utcnow
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.backend.server import BackendThread
from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
XSS_TEXT = '<script>window.__pwned = 1; alert("x")</script><img src=x onerror="window.__pwned = 2"> they shouted'


async def _seed_staff(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session:
        oak = Home(code="oak-house", name="Oak House", advocacy_name="Coram Voice")
        ash = Home(code="ash-lodge", name="Ash Lodge")
        manager = StaffUser(username="manager", role="manager", password_hash=hash_password(STAFF_PASSWORD))
        session.add_all([oak, ash, manager])
        await session.flush()
        session.add_all([HomeManager(home_id=oak.id, staff_user_id=manager.id)])
        session.add(HomeManager(home_id=ash.id, staff_user_id=manager.id))
        await session.commit()
    await engine.dispose()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[BackendThread, dict[str, str]]]:
    db_file = tmp_path_factory.mktemp("browser") / "backend.sqlite3"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_file}", service_token=SERVICE_TOKEN, reminder_time=None)
    migrate(settings.database_url)
    asyncio.run(_seed_staff(settings))
    server = BackendThread(settings).start()

    def submit(**fields: object) -> str:
        body = {"kind": "complaint", "anonymous": True, "home": "oak-house", **fields}
        return server.post_json("/api/v1/submissions", body, SERVICE_TOKEN)["reference"]

    refs = {
        "overdue": submit(
            what_happened="Staff took my phone for a whole week and would not say why.",
            desired_outcome="Get my phone back and know the rules",
            anonymous=False,
            first_name="Sam",
        ),
        "xss": submit(what_happened=XSS_TEXT, desired_outcome="<b>Say sorry</b>"),
        "soon": submit(what_happened="Pocket money was late again", home="ash-lodge"),
        "fresh": submit(what_happened="The wifi is off after 9pm", desired_outcome="Until 10pm at weekends"),
        "comment": submit(kind="comment", what_happened="Can we have pizza on Fridays?"),
        "compliment": submit(kind="compliment", what_happened="Jo helped me with my homework", about_whom="Jo"),
    }
    server.post_json(
        "/api/v1/advocacy-requests",
        {
            "home": "oak-house",
            "reference": refs["overdue"],
            "anonymous": False,
            "first_name": "Sam",
            "consent_to_share": True,
        },
        SERVICE_TOKEN,
    )
    today = local_date(utcnow())
    with sqlite3.connect(db_file) as conn:
        by_ref = "UPDATE cases SET {} WHERE submission_id = (SELECT id FROM submissions WHERE reference = ?)"
        # Not flagged as staff conduct: the manager who works this case would then never see it (roles.py).
        conn.execute(by_ref.format("due_on = ?"), ((today - timedelta(days=6)).isoformat(), refs["overdue"]))
        conn.execute(by_ref.format("due_on = ?"), (today.isoformat(), refs["soon"]))
    yield server, refs
    server.stop()


def log_in(browser: Browser, url: str, viewport: dict[str, int] = LAPTOP) -> Page:
    page = browser.new_page(viewport=viewport, locale="en-GB", timezone_id="Europe/London")
    page.goto(f"{url}/staff/login")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/cases*")
    return page


def test_login_page_looks_right(backend: tuple[BackendThread, dict[str, str]], browser: Browser) -> None:
    server, _ = backend
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=TABLET, locale="en-GB")
    page.goto(f"{server.url}/staff/cases")
    expect(page).to_have_url(re.compile(r"/staff/login\?next=(%2F|/)staff(%2F|/)cases$"))
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text("Wrong username or password.")
    page.screenshot(path=str(SCREENSHOTS / "login-tablet.png"))
    page.close()


def test_manager_acknowledges_an_overdue_case_and_records_a_stage1_response(
    backend: tuple[BackendThread, dict[str, str]], browser: Browser
) -> None:
    server, refs = backend
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = log_in(browser, server.url)
    expect(page.locator("tr.overdue")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "case-list-laptop.png"), full_page=True)

    # Find the overdue case with the filter, then open it.
    page.check("input[name=overdue]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**overdue=1*")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Overdue by")
    rows.first.locator("a.ref").click()
    page.wait_for_url(f"**/staff/cases/{refs['overdue']}")
    expect(page.locator(".statebox")).to_contain_text("Awaiting acknowledgement")
    expect(page.locator("#what-happened")).to_have_text("Staff took my phone for a whole week and would not say why.")
    page.screenshot(path=str(SCREENSHOTS / "case-page-overdue-laptop.png"), full_page=True)

    # Acknowledge (the form is open and pre-filled with words the child can read).
    acknowledge = page.locator("details.action", has_text="Acknowledge")
    expect(acknowledge.locator("textarea[name=text_sent]")).to_have_value(re.compile("I will give you an answer by"))
    acknowledge.locator("input[value=contact]").check()
    acknowledge.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".statebox")).to_contain_text("Stage 1: local resolution")
    expect(page.locator("#timeline")).to_contain_text("Acknowledged by manager")

    # Record the Stage 1 response with an outcome and two remedies.
    response = page.locator("details.action", has_text="Record Stage 1 response")
    if not response.evaluate("el => el.open"):
        response.locator("summary").click()
    response.locator("textarea[name=text_sent]").fill("We are sorry. You will get your phone back today.")
    response.locator("textarea[name=child_response]").fill("You were right. You get your phone back today.")
    response.locator("select[name=outcome]").select_option("partially_upheld")
    response.locator("input[name=remedies][value=apology]").check()
    response.locator("input[name=remedies][value=change_of_practice]").check()
    response.locator("textarea[name=learning]").fill("Explain the phone rules when a young person moves in.")
    response.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".statebox")).to_contain_text("Stage 1 response sent")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text("Partially upheld")
    expect(outcome).to_contain_text("Apology")
    expect(outcome).to_contain_text("Change of practice")
    expect(page.locator(".childview")).to_contain_text("The manager has answered your complaint.")
    page.screenshot(path=str(SCREENSHOTS / "case-page-laptop.png"), full_page=True)

    page.goto(f"{server.url}/staff/feedback")
    expect(page.locator("table.cases")).to_contain_text("Can we have pizza on Fridays?")
    page.screenshot(path=str(SCREENSHOTS / "feedback-log-laptop.png"), full_page=True)
    page.goto(f"{server.url}/staff/audit")
    expect(page.locator("table.cases")).to_contain_text("respond_stage1")
    page.screenshot(path=str(SCREENSHOTS / "audit-log-laptop.png"))

    # The same pages on a tablet.
    tablet = log_in(browser, server.url, TABLET)
    tablet.screenshot(path=str(SCREENSHOTS / "case-list-tablet.png"), full_page=True)
    tablet.goto(f"{server.url}/staff/cases/{refs['overdue']}")
    tablet.screenshot(path=str(SCREENSHOTS / "case-page-tablet.png"), full_page=True)
    tablet.close()
    page.close()


def test_child_text_with_script_is_shown_as_text_and_never_runs(
    backend: tuple[BackendThread, dict[str, str]], browser: Browser
) -> None:
    server, refs = backend
    page = log_in(browser, server.url)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server.url}/staff/cases/{refs['xss']}")
    expect(page.locator("#what-happened")).to_have_text(XSS_TEXT)
    expect(page.locator("#desired-outcome")).to_have_text("<b>Say sorry</b>")
    assert page.locator("#what-happened script, #what-happened img, #desired-outcome b").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    page.screenshot(path=str(SCREENSHOTS / "case-page-escaped.png"), full_page=True)
    page.close()
