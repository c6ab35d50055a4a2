"""Issue 12, "Done when": two complaints through every statutory stage to the Ombudsman, in the browser.

A child's complaint made on the tablet's chat page, and a parent's complaint by telephone recorded
by staff, each go Stage 1 -> Stage 2 -> Stage 3 -> Ombudsman signpost on the real case page, with
every service a real process (conftest.py). The child asks for Stage 2 in the chat ("I'm not happy
with the answer") and at the end checks on the finished complaint there too.

Screenshots of the key moments go to the test's tmp folder and, when E2E_SCREENSHOTS names a
folder, there as well (README: docs/screenshots/statutory/).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import RunningStack
from tests.e2e.staff import create_staff, do_step, log_in
from tests.e2e.test_chat_page import REFERENCE, Chat, new_chat

OFFICER = "officer.statutory"
PASSWORD = "a long staff passphrase 42"
# Two homes of the test's own, so a complaint about both is counted for each.
HOMES = {"stat-oak": "Oak House", "stat-elm": "Elm Lodge"}
VIEWPORT = {"width": 1280, "height": 900}
CODE = re.compile(r"your code is\s+([A-Z0-9]{6})")
OMBUDSMAN_FOR_CHILD = "12 months"


# The key moments, numbered in the order they happen (the tablet's complaint has two more, in the chat).
MOMENTS = (
    "sent",
    "stage1-response",
    "child-asks-for-stage2",
    "stage2-started",
    "stage3-panel",
    "closed-ombudsman",
    "child-checks-in-chat",
)


class Screenshots:
    """Full-page PNGs of the key moments: the test's tmp folder always, E2E_SCREENSHOTS too when set."""

    def __init__(self, tmp_path: Path, prefix: str) -> None:
        self.prefix = prefix
        self.folders = [tmp_path / "screenshots"]
        if os.environ.get("E2E_SCREENSHOTS"):
            self.folders.append(Path(os.environ["E2E_SCREENSHOTS"]))
        for folder in self.folders:
            folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Page, moment: str, what: str = "") -> None:
        # 256 colours: a page of text and flat colours looks the same at a third of the size.
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
        small = shot.quantize(colors=256, dither=Image.Dither.NONE)
        name = f"{self.prefix}-{MOMENTS.index(moment) + 1}-{what or moment}.png"
        for folder in self.folders:
            small.save(folder / name, optimize=True)


@pytest.fixture(scope="module")
def officer(stack: RunningStack) -> str:
    create_staff(stack, OFFICER, "complaints_officer", PASSWORD)
    return OFFICER


def staff_page(browser: Browser, stack: RunningStack, path: str) -> Page:
    # A British English browser, as staff in a home in England use.
    return log_in(browser, stack, OFFICER, PASSWORD, path, viewport=VIEWPORT, locale="en-GB")


def add_homes(page: Page, stack: RunningStack) -> None:
    """The complaints officer adds the two homes on the Homes page (saving again only renames)."""
    for code, name in HOMES.items():
        page.goto(f"{stack.backend_url}/staff/homes")
        page.fill("input[name=code]", code)
        page.fill("input[name=name]", name)
        with page.expect_navigation():
            page.get_by_role("button", name="Save home").click()
        expect(page.locator("table.cases")).to_contain_text(name)


# ---- the case page, read as staff read it ------------------------------------------------


def stepper(page: Page) -> dict[str, str]:
    """Stage -> done / current / "" (to come)."""
    items = page.locator("ol.stepper li")
    return {items.nth(i).inner_text(): items.nth(i).get_attribute("class") or "" for i in range(items.count())}


def timeline(page: Page) -> list[str]:
    return page.locator("#timeline li .what > strong").all_inner_texts()


def outcomes(page: Page) -> list[list[str]]:
    """Stage, responded on, working days, outcome, then each remedy."""
    rows = page.locator("#outcome tbody tr")
    return [
        [*rows.nth(i).locator("td").all_inner_texts()[:4], *rows.nth(i).locator(".tag").all_inner_texts()]
        for i in range(rows.count())
    ]


def child_view(page: Page) -> str:
    return page.locator("#child-view").inner_text()


def state(page: Page) -> str:
    return page.locator(".statebox .state").inner_text()


# ---- the same stages for both complaints -------------------------------------------------

STAGE1 = {
    "text_sent": "We looked at what happened with your phone. Staff followed the house rules on phones at night.",
    "child_response": "We checked what happened. Staff kept to the phone rules, so we did not agree this time.",
    "outcome": "not_upheld",
    "remedies": ["explanation"],
}
STAGE2 = {
    "text_sent": "The investigation found the rules were applied, but nobody explained them to you.",
    "child_response": "Someone from outside looked again. You should have been told why. Staff will explain it.",
    "outcome": "partially_upheld",
    "remedies": ["explanation", "apology"],
    "learning": "Explain the phone rules to every young person when they move in.",
}
STAGE3 = {
    "child_response": "The panel agreed with you. You will get a written sorry and the rules will change.",
    "outcome": "upheld",
    "remedies": ["apology", "change_of_practice"],
    "learning": "Phones are kept in the young person's room at night unless a risk assessment says otherwise.",
}


def through_stage1(page: Page, reference: str, shots: Screenshots) -> None:
    do_step(page, reference, "acknowledge", categories=["privacy"])
    assert stepper(page)["Stage 1"] == "current"
    assert "The manager is looking into it." in child_view(page)
    do_step(page, reference, "respond_stage1", **STAGE1)  # the letter suggested keeps its Stage 2 words
    assert state(page) == "Stage 1 response sent"
    assert outcomes(page)[0][0::3] == ["Stage 1", "Not upheld"]
    seen = child_view(page)
    assert "The manager has answered your complaint." in seen and STAGE1["child_response"] in seen
    shots.take(page, "stage1-response")


def stage2_to_ombudsman(page: Page, reference: str, shots: Screenshots) -> None:
    """From a Stage 2 request to the Ombudsman signpost."""
    do_step(
        page,
        reference,
        "agree_statement",
        text_sent="The complaint: phones are taken at night and nobody explained why.",
        investigating_officer="Priya Shah (Children's Services, another area)",
        independent_person="Tom Reed (independent person)",
        advocate_offered=True,
    )
    assert stepper(page)["Stage 2"] == "current"
    assert "Investigating officer: Priya Shah" in page.locator("dl.facts").first.inner_text()
    assert "Someone who does not work in your home is looking into your complaint." in child_view(page)
    shots.take(page, "stage2-started")
    do_step(page, reference, "respond_stage2", **STAGE2)
    do_step(page, reference, "request_stage3", note="Asked for a review panel on the phone, with their advocate.")
    assert stepper(page)["Stage 3"] == "current"
    do_step(page, reference, "panel_held", panel_members="Ann Cole\nBen Ode\nCara Lee", note="The child attended.")
    assert "Ann Cole (chair), Ben Ode, Cara Lee" in page.locator("dl.facts").first.inner_text()
    assert "The group has met to talk about your complaint." in child_view(page)
    shots.take(page, "stage3-panel")
    do_step(page, reference, "panel_report", text_sent="The panel recommends the complaint is upheld.")
    do_step(page, reference, "respond_stage3", **STAGE3)  # the letter suggested is the Ombudsman's
    do_step(page, reference, "signpost_ombudsman")  # its suggested letter: the Ombudsman and 12 months

    assert state(page) == "Closed"
    assert stepper(page)["Closed"] == "current"
    assert all(css == "done" for stage, css in stepper(page).items() if stage != "Closed")
    # Each stage's finding kept, not overwritten by the next.
    assert [row[0::3] for row in outcomes(page)] == [
        ["Stage 1", "Not upheld"],
        ["Stage 2", "Partially upheld"],
        ["Stage 3", "Upheld"],
    ]
    assert outcomes(page)[1][4:] == ["Apology", "Explanation"]
    assert outcomes(page)[2][4:] == ["Apology", "Change of practice"]
    assert all(row[2] == "0" for row in outcomes(page))  # working days: all of it done today
    findings = page.locator("#outcome").inner_text()
    assert re.search(r"Ombudsman\s+Signposted \w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d", findings)
    assert STAGE3["learning"] in findings
    seen = child_view(page)
    assert "Your complaint is finished." in seen and "Ombudsman" in seen and OMBUDSMAN_FOR_CHILD in seen
    # Nothing of the procedure is left to do (recording an Ombudsman enquiry and the like still is).
    for step in ("respond_stage3", "signpost_ombudsman", "close", "withdraw", "request_stage3"):
        expect(page.locator(f'form[action="/staff/cases/{reference}/{step}"]')).to_have_count(0)
    shots.take(page, "closed-ombudsman")


LATER_STEPS = [
    "Stage 2 started: statement of complaint agreed",
    "Stage 2 response sent",
    "Asked for a Stage 3 review panel",
    "Review panel held",
    "Panel report sent",
    "Stage 3 response sent",
    "Ombudsman signposted; closed",
]


# ---- the child, in the chat --------------------------------------------------------------


def complain_on_the_tablet(chat: Chat, shots: Screenshots) -> tuple[str, str]:
    """A named complaint, typed and tapped as a child would: (reference, access code)."""
    chat.tap("Something is wrong")
    # (words in the question, button to tap, words to type); the summary first, as it repeats the answers.
    answers: list[tuple[str, str | None, str | None]] = [
        ("Shall I send it?", "Yes, send it", None),
        ("tell me what happened", None, "Staff took my phone last night and did not say why"),
        ("That's a complaint", "Yes, a complaint", None),
        ("anything else", "That's all", None),
        ("like to happen", None, "I want my phone back at night and to be told the rules"),
        ("say who you are", "Use my first name", None),
        ("first name", None, "Sam"),
    ]
    for _ in range(len(answers) + 2):
        if REFERENCE.search(chat.page.locator("#messages").inner_text()):
            break
        text = chat.last_bot_text()
        match = next(((tap, typed) for words, tap, typed in answers if words in text), None)
        assert match is not None, f"unexpected question: {text!r}"
        tap, typed = match
        if tap:
            chat.tap(tap)
        else:
            chat.type(typed or "")
    receipt = chat.page.locator("#messages").inner_text()
    reference, code = REFERENCE.search(receipt), CODE.search(receipt)
    assert reference and code, receipt
    assert "Your name: Sam" in receipt  # read back before it was sent
    # The chat scrolls inside the page: the receipt's reference brought into view.
    chat.page.locator("#messages .code").filter(has_text=reference.group(0)).first.scroll_into_view_if_needed()
    shots.take(chat.page, "sent", "complaint-sent-in-chat")
    chat.tap("No thanks")  # the advocate offered after every complaint
    return reference.group(0), code.group(1)


def check_in_chat(chat: Chat, reference: str, code: str) -> str:
    chat.type(f"how is my complaint going? ref {reference} code {code}")
    return chat.last_bot_text()


# ---- the two complaints ------------------------------------------------------------------


@pytest.mark.usefixtures("officer")
def test_a_tablet_complaint_goes_through_every_stage_to_the_ombudsman(
    browser: Browser, stack: RunningStack, tmp_path: Path
) -> None:
    shots = Screenshots(tmp_path, "tablet")
    chat = new_chat(browser, stack, VIEWPORT)
    chat.set_up_tablet("stat-oak")
    chat.open()
    reference, code = complain_on_the_tablet(chat, shots)

    page = staff_page(browser, stack, f"/staff/cases/{reference}")
    add_homes(page, stack)
    page.goto(f"{stack.backend_url}/staff/cases/{reference}")
    assert page.locator("#complainant").inner_text() == "The child or young person"
    first = page.locator("#timeline li").first.inner_text()
    assert "Received from the tablet conversation · acknowledgement due" in first
    assert stepper(page)["Received"] == "current"
    assert "We have got your complaint." in child_view(page)
    through_stage1(page, reference, shots)

    # The child is not happy with the answer and asks for Stage 2 in the chat.
    answer = check_in_chat(chat, reference, code)
    assert "The manager has answered your complaint." in answer and STAGE1["child_response"] in answer
    chat.tap("I'm not happy with the answer")
    assert "I've asked for someone else to look at your complaint." in chat.page.locator("#messages").inner_text()
    chat.page.get_by_text("I've asked for someone else").last.scroll_into_view_if_needed()
    shots.take(chat.page, "child-asks-for-stage2")
    chat.tap("No thanks")  # the advocate offered again

    page.reload()
    assert state(page) == "Stage 2 requested: agree statement of complaint"
    assert stepper(page)["Stage 2"] == "current"
    last = page.locator("#timeline li").last.inner_text()
    assert "Asked for Stage 2 by the child, by the assistant" in last
    assert "Asked in the chat with their reference and code" in last
    stage2_to_ombudsman(page, reference, shots)
    assert timeline(page) == [
        "Received",
        "Acknowledged",
        "Stage 1 response sent",
        "Asked for Stage 2",
        *LATER_STEPS,
    ]

    # The child checks once more: finished, and where to go next.
    answer = check_in_chat(chat, reference, code)
    assert "Your complaint is finished." in answer
    assert "Ombudsman" in answer and OMBUDSMAN_FOR_CHILD in answer
    assert STAGE3["child_response"] in answer and "They agreed with your complaint." in answer
    assert "I'm not happy with the answer" not in chat.choices.all_inner_texts()
    shots.take(chat.page, "child-checks-in-chat")
    chat.page.context.close()
    page.close()


@pytest.mark.usefixtures("officer")
def test_a_parents_phone_complaint_goes_through_every_stage_to_the_ombudsman(
    browser: Browser, stack: RunningStack, tmp_path: Path
) -> None:
    shots = Screenshots(tmp_path, "phone")
    page = staff_page(browser, stack, "/staff/cases")
    add_homes(page, stack)
    page.goto(f"{stack.backend_url}/staff/cases/new")
    form = page.locator("form#intake")
    form.locator("input[name=kind][value=complaint]").check()
    form.locator("select[name=home]").select_option("stat-oak")
    form.locator("input[name=services][value=stat-elm]").check()
    form.locator("select[name=received_via]").select_option("phone")
    form.locator("select[name=complainant]").select_option("parent_relative")
    form.locator("input[name=complainant_name]").fill("Jo Evans (mother)")
    form.locator("textarea[name=consent_note]").fill("Alex agreed on the phone that day that his mum speaks for him.")
    form.locator("input[name=first_name]").fill("Alex")
    form.locator("textarea[name=what_happened]").fill(
        "Alex's phone is taken every night at both homes he stays at, and nobody has explained why."
    )
    form.locator("textarea[name=desired_outcome]").fill("Alex keeps his phone at night, or is told the reason.")
    form.locator("input[name=categories][value=privacy]").check()
    form.locator("input[name=advocacy_offered]").check()
    shots.take(page, "sent", "intake-form")
    with page.expect_navigation():
        form.get_by_role("button", name="Record it").click()
    reference = page.locator("#new-reference").inner_text()
    assert reference.startswith("CMP-") and re.fullmatch(r"[A-Z0-9]{6}", page.locator("#new-code").inner_text())

    with page.expect_navigation():
        page.get_by_role("link", name="Open the case").click()
    assert page.locator("#complainant").inner_text() == "Parent or relative: Jo Evans (mother)"
    facts = page.locator("dl.facts").first.inner_text()
    assert "Oak House" in facts and "Elm Lodge" in facts  # both services, each counted
    assert "Alex agreed on the phone that day" in facts
    # Its first line: how and when it came, and who recorded it (once, not twice).
    assert f"Received by telephone, recorded by {OFFICER}" in page.locator("#timeline li").first.inner_text()
    assert timeline(page) == ["Received"]
    through_stage1(page, reference, shots)
    do_step(page, reference, "request_stage2", note="Alex's mum phoned: they are not happy with the answer.")
    assert stepper(page)["Stage 2"] == "current"
    stage2_to_ombudsman(page, reference, shots)
    assert timeline(page) == [
        "Received",
        "Acknowledged",
        "Stage 1 response sent",
        "Asked for Stage 2",
        *LATER_STEPS,
    ]
    page.close()
