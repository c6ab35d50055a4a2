"""The tablet chat page in a real browser (Debian's Chromium) against the whole running stack.

Assertions are about structure and stable things (buttons, references, what is
stored), not the bot's exact sentences, which are still being written.
Screenshots, axe reports and load timings go to test-output/.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, expect

from scripts.stack import ROOT
from tests.e2e.conftest import RunningStack
from tests.helpers import wait_for

OUTPUT = ROOT / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
AXE = ROOT / "node_modules/axe-core/axe.min.js"
TABLET_PORTRAIT = {"width": 800, "height": 1280}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PHONE_LANDSCAPE = {"width": 844, "height": 390}
HOME = "tablet-home-7"
REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")
REPLY_TIMEOUT = 30.0


# ---- page helpers (the `browser` fixture: tests/conftest.py) -----------------------------


class Chat:
    """The chat page as a child uses it: tap, type, read."""

    def __init__(self, page: Page, stack: RunningStack) -> None:
        self.page = page
        self.stack = stack
        self.sent: list[dict[str, Any]] = []
        page.on("request", self._record)

    def _record(self, request: Request) -> None:
        if request.url.endswith("/chat/webhook") and request.method == "POST":
            self.sent.append(json.loads(request.post_data or "{}"))

    # -- setting up ----------------------------------------------------------------
    def set_up_tablet(self, home: str = HOME) -> None:
        """What staff do once per tablet: the setup page with the setup code."""
        page = self.page
        page.goto(f"{self.stack.rasa_url}/chat/setup")
        page.get_by_label("Home code").fill(home)
        page.get_by_label("Setup code").fill(self.stack.stack.config.secrets["TABLET_SETUP_CODE"])
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status")).to_contain_text(f"home {home}")

    def open(self) -> None:
        self.page.goto(f"{self.stack.rasa_url}/chat/")
        self.wait_for_reply(0)

    # -- reading -------------------------------------------------------------------
    @property
    def bot_messages(self) -> Locator:
        return self.page.locator("#messages .msg-bot")

    @property
    def choices(self) -> Locator:
        return self.page.locator("#messages .choice")

    def last_bot_text(self) -> str:
        return self.bot_messages.last.locator(".bubble").inner_text()

    def wait_for_reply(self, before: int) -> None:
        """Until a new bot message is on screen and the typing indicator has gone."""
        typing = self.page.locator("#typing")
        try:
            wait_for(lambda: self.bot_messages.count() > before and typing.is_hidden(), timeout=REPLY_TIMEOUT)
        except TimeoutError:
            shown = self.page.locator("#messages").inner_text()
            last = self.sent[-1:]
            raise AssertionError(f"no reply within {REPLY_TIMEOUT} s; sent {last}; screen:\n{shown}") from None

    # -- acting --------------------------------------------------------------------
    def tap(self, title: str | re.Pattern[str]) -> None:
        before = self.bot_messages.count()
        self.choices.filter(has_text=title).first.click()
        self.wait_for_reply(before)

    def type(self, text: str) -> None:
        before = self.bot_messages.count()
        box = self.page.get_by_label("Type your message")
        box.fill(text)
        box.press("Enter")
        self.wait_for_reply(before)

    def storage(self) -> dict[str, dict[str, str]]:
        return self.page.evaluate(
            "() => ({local: Object.fromEntries(Object.entries(localStorage)),"
            " session: Object.fromEntries(Object.entries(sessionStorage))})"
        )

    def senders(self) -> list[str]:
        return [body["sender"] for body in self.sent]

    def walk_to_reference(self, prefer: list[str], typed: list[str], max_steps: int = 14) -> tuple[str, int, int]:
        """Answer until a reference is shown: tap a preferred button when one is offered,
        otherwise type the next answer. Returns (reference, taps, typed answers used)."""
        taps = typed_count = 0
        patterns = [re.compile(p, re.IGNORECASE) for p in prefer]
        for _ in range(max_steps):
            text = self.page.locator("#messages").inner_text()
            if match := REFERENCE.search(text):
                return match.group(0), taps, typed_count
            # "I don't feel safe" stays on screen at every step.
            expect(self.page.locator("#feel-unsafe")).to_be_visible()
            titles = self.choices.all_inner_texts()
            choice = next((t for p in patterns for t in titles if p.search(t)), None)
            if choice is not None:
                self.tap(choice)
                taps += 1
            else:
                assert typed_count < len(typed), f"no answer left for: {self.last_bot_text()!r} (buttons {titles})"
                self.type(typed[typed_count])
                typed_count += 1
        raise AssertionError(f"no reference after {max_steps} steps; last message: {self.last_bot_text()!r}")


def new_chat(browser: Browser, stack: RunningStack, viewport: dict[str, int] = TABLET_PORTRAIT) -> Chat:
    context: BrowserContext = browser.new_context(viewport=viewport, reduced_motion="reduce", locale="en-GB")
    return Chat(context.new_page(), stack)


@pytest.fixture
def chat(browser: Browser, stack: RunningStack) -> Iterator[Chat]:
    chat = new_chat(browser, stack)
    chat.set_up_tablet()
    chat.open()
    yield chat
    chat.page.context.close()


def rasa_events(stack: RunningStack, sender: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(stack.rasa_api(f"/conversations/{sender}/tracker"), timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read())["events"]


def post_rasa_events(stack: RunningStack, sender: str, events: list[dict[str, Any]]) -> None:
    """What the backend's handoff does (backend/handoff/rasa.py): Rasa's HTTP API."""
    req = urllib.request.Request(  # noqa: S310 (loopback test server)
        stack.rasa_api(f"/conversations/{sender}/tracker/events"),
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        assert resp.status == 200


# ---- conversations -----------------------------------------------------------------------


def test_a_compliment_is_given_by_tapping_buttons_only(chat: Chat, stack: RunningStack) -> None:
    expect(chat.choices.first).to_be_visible()
    chat.tap(re.compile("thank", re.IGNORECASE))
    reference, taps, typed = chat.walk_to_reference(
        prefer=[
            r"^yes",
            r"thank",
            r"kind to me",
            r"key worker",
            r"that's all|nothing else|^done",
            r"anonymous",
            r"send",
        ],
        typed=[],  # not one word typed: a child who cannot or would rather not write can still say thank you
    )
    assert reference.startswith("THX-")
    assert typed == 0
    assert taps >= 5  # kind, what they did, who, anonymous, send
    # The reference is shown on its own, large, so it can be copied down.
    expect(chat.page.locator("#messages .code").filter(has_text=reference)).to_be_visible()
    # Every tapped answer appears as the child's own words, and old choices are gone.
    assert chat.page.locator("#messages .msg-user").count() == taps + typed + 1
    (row,) = stack.rows("SELECT kind, home_code, anonymous FROM submissions WHERE reference = ?", reference)
    assert (row["kind"], row["home_code"], row["anonymous"]) == ("compliment", HOME, 1)
    # The home set once by staff is in the tablet token: the page never sends one.
    assert all("home" not in body["metadata"] for body in chat.sent)
    assert len({body["metadata"]["client_message_id"] for body in chat.sent}) == len(chat.sent)
    chat.page.screenshot(path=SCREENSHOTS / "compliment-done-tablet-portrait.png")


def test_a_complaint_typed_as_free_text_is_sent(chat: Chat, stack: RunningStack) -> None:
    chat.type("Staff took my phone last night and did not say why")
    reference, _, _ = chat.walk_to_reference(
        prefer=[r"^yes", r"that's all|nothing else|^done", r"anonymous", r"^no,? thank", r"send"],
        # The first message is what happened; the walk answers "what would you like to happen".
        typed=["I want my phone back and to know why"],
    )
    assert reference.startswith("CMP-")
    (row,) = stack.rows("SELECT kind, what_happened, home_code FROM submissions WHERE reference = ?", reference)
    assert row["kind"] == "complaint"
    assert "phone" in row["what_happened"]
    assert row["home_code"] == HOME


def test_i_dont_feel_safe_sends_its_payload_and_gets_an_answer(chat: Chat) -> None:
    chat.tap(re.compile("wrong", re.IGNORECASE))
    before = chat.bot_messages.count()
    chat.page.locator("#feel-unsafe").click()
    chat.wait_for_reply(before)
    assert chat.sent[-1]["message"] == "/feel_unsafe"
    expect(chat.page.locator("#messages .msg-user p").last).to_have_text("I don't feel safe")


# ---- privacy on a shared tablet --------------------------------------------------------


def test_quick_exit_clears_the_screen_and_storage_at_once(chat: Chat) -> None:
    chat.tap(re.compile("wrong", re.IGNORECASE))
    chat.type("Someone keeps taking my stuff")
    assert chat.storage()["session"]  # the conversation is kept while it goes on
    chat.page.get_by_role("button", name="Quick exit").click()
    expect(chat.page).to_have_url(re.compile(r"/chat/home$"))
    expect(chat.page).to_have_title("Home")
    body = chat.page.locator("body").inner_text()
    assert "stuff" not in body and "Quick exit" not in body and "Have your say" not in body
    assert chat.storage() == {"local": {}, "session": {}}
    chat.page.screenshot(path=SCREENSHOTS / "quick-exit-neutral-page.png")
    # The back button does not bring the conversation back.
    chat.page.go_back()
    assert "stuff" not in chat.page.locator("body").inner_text()


def test_start_again_begins_a_new_session_with_a_new_id(chat: Chat) -> None:
    chat.tap(re.compile("thank", re.IGNORECASE))
    first_sender = chat.senders()[-1]
    chat.page.get_by_role("button", name="Start again").click()
    dialog = chat.page.get_by_role("dialog", name="Start again?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Yes, start again").click()
    wait_for(lambda: len(set(chat.senders())) == 2, timeout=REPLY_TIMEOUT)
    chat.wait_for_reply(0)
    assert chat.sent[-1]["message"] == "/greet"
    assert chat.senders()[-1] != first_sender
    assert chat.page.locator("#messages .msg-user").count() == 0
    assert json.loads(chat.storage()["session"]["chat.session"])["sender"] == chat.senders()[-1]


def test_start_again_can_be_cancelled(chat: Chat) -> None:
    chat.tap(re.compile("thank", re.IGNORECASE))
    chat.page.get_by_role("button", name="Start again").click()
    chat.page.get_by_role("button", name="No, keep going").click()
    assert chat.page.locator("#messages .msg-user").count() == 1
    assert len(set(chat.senders())) == 1


def test_an_idle_tablet_forgets_the_conversation(browser: Browser, stack: RunningStack) -> None:
    chat = new_chat(browser, stack)
    chat.set_up_tablet()
    chat.page.clock.install()
    chat.open()
    chat.tap(re.compile("thank", re.IGNORECASE))
    first_sender = chat.senders()[-1]
    chat.page.clock.fast_forward("06:00")  # more than the default 5 idle minutes
    wait_for(lambda: chat.page.locator("#messages .msg-user").count() == 0, timeout=REPLY_TIMEOUT)
    chat.wait_for_reply(0)
    session = json.loads(chat.storage()["session"]["chat.session"])
    assert session["sender"] != first_sender and session["items"][0]["kind"] == "bot"
    chat.page.context.close()


def test_a_reload_keeps_the_conversation_on_the_same_session(chat: Chat) -> None:
    chat.tap(re.compile("thank", re.IGNORECASE))
    sender = chat.senders()[-1]
    chat.page.reload()
    expect(chat.page.locator("#messages .msg-user")).to_have_count(1)
    chat.tap(re.compile("^yes", re.IGNORECASE))
    assert chat.senders()[-1] == sender
    assert "/greet" not in [body["message"] for body in chat.sent[2:]]


# ---- connection problems -----------------------------------------------------------------


def test_an_unreachable_server_shows_a_kind_message_and_the_message_goes_once_back_online(
    chat: Chat, stack: RunningStack
) -> None:
    """Back online, the page sends the waiting message by itself (its `online` listener): no tap needed.

    (This test once tapped "Try again now" after going online and failed when the page had
    already sent it: the button is gone by then. The tap has its own test below.)"""
    context = chat.page.context
    context.set_offline(True)
    box = chat.page.get_by_label("Type your message")
    box.fill("my window is broken")
    box.press("Enter")
    problem = chat.page.get_by_role("alert")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("can't connect")
    expect(chat.page.get_by_role("button", name="Try again now")).to_be_visible()
    expect(chat.page.locator("#messages .msg-user").last).to_contain_text("Not sent yet")
    chat.page.screenshot(path=SCREENSHOTS / "offline-tablet-portrait.png")
    before = chat.bot_messages.count()
    context.set_offline(False)
    chat.wait_for_reply(before)
    expect(problem).to_be_hidden()
    expect(chat.page.locator("#messages .status-note")).to_have_count(0)
    sender = chat.senders()[-1]
    said = [e["text"] for e in rasa_events(stack, sender) if e["event"] == "user"]
    assert said.count("my window is broken") == 1


def test_try_again_now_sends_a_waiting_message_once(chat: Chat, stack: RunningStack) -> None:
    """The server is unreachable while the tablet is online: the page retries after 2, 4, 8 s...
    After the third refusal the next retry is 8 s away, so the tap is what sends it."""
    refused: list[str] = []
    down = True

    def refuse_while_down(route: Any) -> None:
        if down:
            refused.append(route.request.post_data or "")
            route.abort("connectionrefused")
        else:
            route.continue_()

    chat.page.route("**/chat/webhook", refuse_while_down)
    box = chat.page.get_by_label("Type your message")
    box.fill("the shower is cold again")
    box.press("Enter")
    expect(chat.page.get_by_role("alert")).to_contain_text("can't connect")
    # page.wait_for_timeout, not time.sleep: the route handler runs only while Playwright is called.
    deadline = time.monotonic() + 20
    while len(refused) < 3 and time.monotonic() < deadline:
        chat.page.wait_for_timeout(50)
    assert len(refused) >= 3, refused
    before = chat.bot_messages.count()
    down = False
    chat.page.get_by_role("button", name="Try again now").click()
    chat.wait_for_reply(before)
    expect(chat.page.get_by_role("alert")).to_be_hidden()
    sender = chat.senders()[-1]
    said = [e["text"] for e in rasa_events(stack, sender) if e["event"] == "user"]
    assert said.count("the shower is cold again") == 1


def test_an_answer_lost_on_the_way_back_is_not_processed_twice(chat: Chat, stack: RunningStack) -> None:
    """The server handles the message but the tablet never hears back; the retry reuses the id."""
    dropped: list[str] = []

    def drop_first_answer(route: Any) -> None:
        if not dropped:
            route.fetch()  # reaches Rasa, which handles the message...
            dropped.append(route.request.post_data or "")
            route.abort("connectionreset")  # ...but the answer is lost
        else:
            route.continue_()

    chat.page.route("**/chat/webhook", drop_first_answer)
    before = chat.bot_messages.count()
    box = chat.page.get_by_label("Type your message")
    box.fill("the heating is off in my room")
    box.press("Enter")
    chat.wait_for_reply(before)
    attempts = [body for body in chat.sent if body["message"] == "the heating is off in my room"]
    assert len(attempts) == 2
    assert attempts[0]["metadata"]["client_message_id"] == attempts[1]["metadata"]["client_message_id"]
    said = [e["text"] for e in rasa_events(stack, chat.senders()[-1]) if e["event"] == "user"]
    assert said.count("the heating is off in my room") == 1


# ---- the tablet token, limits and sizes ----------------------------------------------------

NOT_SET_UP = "This tablet isn't set up yet. Please ask a member of staff."
SLOW_DOWN = "Slow down a little. Try again in a moment."


def _alerts_for(stack: RunningStack, sender: str) -> list[Any]:
    return stack.rows("SELECT * FROM alerts WHERE conversation_id = ?", sender)


def test_a_tablet_that_is_not_set_up_says_so_kindly(browser: Browser, stack: RunningStack) -> None:
    chat = new_chat(browser, stack)
    chat.page.goto(f"{stack.rasa_url}/chat/")
    notice = chat.page.locator("#not-set-up")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_contain_text(NOT_SET_UP)
    expect(notice).to_contain_text("0800")
    expect(chat.page.locator("#problem")).to_be_hidden()  # not a connection problem
    chat.page.screenshot(path=SCREENSHOTS / "not-set-up-tablet-portrait.png")
    serious = [v for v in axe_violations(chat.page, "not-set-up") if v["impact"] in ("serious", "critical")]
    assert serious == []
    # The child can still write; nothing reaches the bot until staff set the tablet up.
    box = chat.page.get_by_label("Type your message")
    box.fill("is anyone there")
    box.press("Enter")
    expect(chat.page.locator("#messages .msg-user").last).to_contain_text("Not sent yet")
    assert chat.bot_messages.count() == 0
    chat.page.context.close()


def test_the_tablet_token_is_a_cookie_scripts_cannot_read(chat: Chat) -> None:
    (cookie,) = [c for c in chat.page.context.cookies() if c["name"] == "tablet"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/chat"
    assert cookie["secure"] is False  # plain HTTP on loopback; anywhere else it is Secure
    assert cookie["expires"] - time.time() > 364 * 24 * 3600
    assert "tablet" not in chat.page.evaluate("() => document.cookie")


def test_forget_this_tablet_needs_the_setup_code(browser: Browser, stack: RunningStack) -> None:
    chat = new_chat(browser, stack)
    chat.set_up_tablet()
    page = chat.page
    expect(page.locator("#current")).to_have_text(f"This tablet is set up for home: {HOME}")
    page.get_by_label("Setup code").fill("not-the-code")
    page.get_by_role("button", name="Forget this tablet").click()
    expect(page.get_by_role("status")).to_contain_text("not right")
    chat.open()  # still set up: the greeting comes
    page.goto(f"{stack.rasa_url}/chat/setup")
    page.get_by_label("Setup code").fill(stack.stack.config.secrets["TABLET_SETUP_CODE"])
    page.get_by_role("button", name="Forget this tablet").click()
    expect(page.get_by_role("status")).to_contain_text("Forgotten")
    expect(page.locator("#current")).to_have_text("This tablet is not set up yet.")
    assert [c for c in page.context.cookies() if c["name"] == "tablet"] == []
    page.goto(f"{stack.rasa_url}/chat/")
    expect(page.locator("#not-set-up")).to_contain_text(NOT_SET_UP)
    page.context.close()


def test_a_home_slipped_into_the_pages_request_is_ignored(chat: Chat, stack: RunningStack) -> None:
    """A tampered page (or a script on the tablet) names another home: the token's home counts."""

    def spoof(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["metadata"]["home"] = "someone-elses-home"
        route.continue_(post_data=json.dumps(body))

    chat.page.route("**/chat/webhook", spoof)
    before = chat.bot_messages.count()
    chat.page.locator("#feel-unsafe").click()
    chat.wait_for_reply(before)
    sender = chat.senders()[-1]
    (alert,) = wait_for(lambda: _alerts_for(stack, sender), timeout=REPLY_TIMEOUT)
    assert alert["home_code"] == HOME


def test_a_message_starting_with_a_slash_is_still_read_for_safety(chat: Chat, stack: RunningStack) -> None:
    # Rasa alone reads "/affirm@1.0 ..." as the intent "affirm" and never runs the detector on it.
    chat.type("/affirm@1.0 he hits me every night")
    shown = chat.page.locator("#messages").inner_text()
    assert "not in trouble" in shown and "0800" in shown
    sender = chat.senders()[-1]
    (alert,) = wait_for(lambda: _alerts_for(stack, sender), timeout=REPLY_TIMEOUT)
    assert alert["home_code"] == HOME


def test_slow_down_keeps_the_message_and_sends_it_once_there_is_room(browser: Browser, stack: RunningStack) -> None:
    chat = new_chat(browser, stack)
    chat.set_up_tablet()
    page = chat.page
    page.clock.install()  # the page's wait before sending again moves only when the test says
    chat.open()
    # Another script on this tablet uses up its burst (same cookie: page.request shares it).
    for _ in range(40):
        body = {"sender": RunningStack.new_sender(), "message": "/greet", "metadata": {"client_message_id": _id()}}
        if page.request.post(f"{stack.rasa_url}/chat/webhook", data=body).status == 429:
            break
    else:
        raise AssertionError("the tablet's limit was never reached")
    # The child carries on typing; within a few messages the tablet is over its limit.
    box = page.get_by_label("Type your message")
    notice = page.locator("#slow-down")
    for attempt in range(10):
        before = chat.bot_messages.count()
        box.fill(f"my window is broken {attempt}")
        box.press("Enter")
        wait_for(lambda: notice.is_visible() or chat.bot_messages.count() > before, timeout=REPLY_TIMEOUT)  # noqa: B023
        if notice.is_visible():
            break
    else:
        raise AssertionError("the page never showed the slow-down message")
    expect(notice).to_contain_text(SLOW_DOWN)
    expect(notice).to_have_attribute("role", "alert")
    held = f"my window is broken {attempt}"
    expect(page.locator("#messages .msg-user").last).to_contain_text(held)
    expect(page.locator("#messages .msg-user").last).to_contain_text("Not sent yet")
    box.fill("and the door")  # what the child is typing meanwhile stays in the box
    page.screenshot(path=SCREENSHOTS / "slow-down-tablet-portrait.png")

    def sent_again() -> bool:
        if notice.is_visible():
            page.clock.fast_forward(500)  # only while waiting: never while a send is on its way
        return chat.bot_messages.count() > before and notice.is_hidden()

    # Sent again after Retry-After without anyone retyping it, and handled once.
    wait_for(sent_again, timeout=REPLY_TIMEOUT)
    expect(box).to_have_value("and the door")
    said = [e["text"] for e in rasa_events(stack, chat.senders()[-1]) if e["event"] == "user"]
    assert said.count(held) == 1
    page.context.close()


def test_a_message_that_is_too_long_goes_back_in_the_box(chat: Chat, stack: RunningStack) -> None:
    page = chat.page
    box = page.get_by_label("Type your message")
    # The box stops at 2,000 characters; a page changed to allow more is answered kindly too.
    page.evaluate("() => document.getElementById('message-input').removeAttribute('maxlength')")
    long_text = "the heating " * 200  # 2,400 characters
    box.fill(long_text)
    before = chat.bot_messages.count()
    box.press("Enter")
    chat.wait_for_reply(before)
    assert "shorter" in chat.last_bot_text()
    expect(box).to_have_value(long_text.strip())
    expect(page.locator("#messages .msg-user")).to_have_count(0)
    said = [e["text"] for e in rasa_events(stack, chat.senders()[-1]) if e["event"] == "user"]
    assert long_text.strip() not in said


def _id() -> str:
    return RunningStack.new_sender().replace("-", "")


# ---- human handoff -----------------------------------------------------------------------


def test_a_staff_member_joining_is_shown_as_a_person(chat: Chat, stack: RunningStack) -> None:
    sender = chat.senders()[-1]
    staff = {"from_staff": True, "staff_name": "Jo"}
    post_rasa_events(
        stack,
        sender,
        [
            {"event": "pause", "metadata": {"staff_name": "Jo"}},
            {"event": "bot", "text": "Hi, I'm Jo. I'm a person, not the bot.", "metadata": staff},
        ],
    )
    banner = chat.page.locator("#handoff")
    expect(banner).to_have_text("Jo (a person) is talking with you now.", timeout=10_000)
    staff_message = chat.page.locator("#messages .msg-staff")
    expect(staff_message).to_contain_text("Jo (a person)")
    expect(staff_message).to_contain_text("I'm a person, not the bot.")
    chat.page.screenshot(path=SCREENSHOTS / "handoff-tablet-portrait.png")
    # While Jo is there the child's words reach the conversation, and the bot stays quiet.
    box = chat.page.get_by_label("Type your message")
    box.fill("ok thank you")
    box.press("Enter")
    wait_for(lambda: "ok thank you" in [e.get("text") for e in rasa_events(stack, sender) if e["event"] == "user"])
    post_rasa_events(stack, sender, [{"event": "bot", "text": "Bye for now.", "metadata": staff}, {"event": "resume"}])
    expect(banner).to_be_hidden(timeout=10_000)
    expect(staff_message).to_have_count(2)


# ---- looks, size, keyboard, accessibility, speed ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "viewport"),
    [
        ("tablet-portrait", TABLET_PORTRAIT),
        ("tablet-landscape", TABLET_LANDSCAPE),
        ("phone", PHONE),
        ("phone-landscape", PHONE_LANDSCAPE),
    ],
)
def test_the_page_fits_each_screen_with_big_targets(
    browser: Browser, stack: RunningStack, name: str, viewport: dict[str, int]
) -> None:
    chat = new_chat(browser, stack, viewport)
    chat.set_up_tablet()
    chat.open()
    chat.page.screenshot(path=SCREENSHOTS / f"greeting-{name}.png")
    chat.tap(re.compile("thank", re.IGNORECASE))
    chat.page.screenshot(path=SCREENSHOTS / f"choices-{name}.png")
    page = chat.page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
    for label in ("Quick exit", "I don't feel safe", "Start again"):
        expect(page.get_by_role("button", name=label)).to_be_in_viewport()
    expect(page.get_by_label("Type your message")).to_be_in_viewport()
    small = [
        (button.inner_text(), box)
        for button in page.get_by_role("button").all()
        if button.is_visible() and (box := button.bounding_box()) and (box["width"] < 44 or box["height"] < 44)
    ]
    assert small == []
    text_size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.bubble p')).fontSize)")
    assert text_size >= 18
    chat.page.context.close()


def test_the_chat_works_with_the_keyboard_alone(chat: Chat) -> None:
    page = chat.page
    page.locator("body").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Quick exit")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="I don't feel safe")).to_be_focused()
    first_choice = chat.choices.first
    first_choice.focus()
    before = chat.bot_messages.count()
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    # Focus is not lost when the tapped button goes away: it moves to the next choices.
    expect(chat.choices.first).to_be_focused()
    page.get_by_label("Type your message").focus()
    page.keyboard.type("hello")
    before = chat.bot_messages.count()
    page.keyboard.press("Enter")
    chat.wait_for_reply(before)
    expect(page.get_by_label("Type your message")).to_be_focused()


def test_each_bot_message_has_a_read_aloud_button_and_there_is_a_read_all_setting(chat: Chat) -> None:
    expect(chat.bot_messages.first.get_by_role("button", name="Read out loud")).to_be_visible()
    read_all = chat.page.get_by_role("button", name="Read all out loud")
    expect(read_all).to_have_attribute("aria-pressed", "false")
    read_all.click()
    expect(read_all).to_have_attribute("aria-pressed", "true")


def test_new_bot_messages_are_announced_to_screen_readers(chat: Chat) -> None:
    announcer = chat.page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    chat.tap(re.compile("thank", re.IGNORECASE))
    expect(announcer).to_contain_text(chat.last_bot_text().strip().splitlines()[0])


def axe_violations(page: Page, name: str) -> list[dict[str, Any]]:
    """Run axe-core in the page (WCAG 2.0-2.2 A and AA rules) and keep its report."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does)")
    page.evaluate(AXE.read_text())  # through DevTools, so the page's strict CSP does not block it
    results = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    assert len(results["passes"]) > 10, "axe did not run its checks"
    OUTPUT.mkdir(exist_ok=True)
    report = {
        "violations": results["violations"],
        "passed_rules": sorted(rule["id"] for rule in results["passes"]),
        "needs_review": sorted(rule["id"] for rule in results["incomplete"]),
    }
    (OUTPUT / f"axe-{name}.json").write_text(json.dumps(report, indent=2))
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
    ]


def test_axe_finds_no_serious_or_critical_problems(chat: Chat, stack: RunningStack) -> None:
    page = chat.page
    states: dict[str, list[dict[str, Any]]] = {}
    states["greeting"] = axe_violations(page, "greeting")
    chat.tap(re.compile("thank", re.IGNORECASE))
    chat.type("Sam made me a cake")
    states["conversation"] = axe_violations(page, "conversation")
    post_rasa_events(
        stack,
        chat.senders()[-1],
        [
            {"event": "pause", "metadata": {"staff_name": "Jo"}},
            {"event": "bot", "text": "Hi, I'm Jo.", "metadata": {"from_staff": True, "staff_name": "Jo"}},
        ],
    )
    expect(page.locator("#handoff")).to_be_visible(timeout=10_000)
    states["handoff"] = axe_violations(page, "handoff")
    page.context.set_offline(True)
    page.get_by_label("Type your message").fill("hello")
    page.get_by_label("Type your message").press("Enter")
    expect(page.get_by_role("alert")).to_be_visible()
    states["offline"] = axe_violations(page, "offline")
    page.context.set_offline(False)
    page.get_by_role("button", name="Start again").click()
    states["start-again-dialog"] = axe_violations(page, "start-again-dialog")
    page.get_by_role("button", name="No, keep going").click()
    page.goto(f"{stack.rasa_url}/chat/setup")
    states["setup"] = axe_violations(page, "setup")
    page.goto(f"{stack.rasa_url}/chat/home")
    states["neutral-home"] = axe_violations(page, "neutral-home")
    (OUTPUT / "axe-summary.json").write_text(json.dumps(states, indent=2))
    serious = {state: [v for v in found if v["impact"] in ("serious", "critical")] for state, found in states.items()}
    assert serious == {state: [] for state in states}


def test_the_page_greets_a_fresh_chat_on_every_load(browser: Browser, stack: RunningStack) -> None:
    # How fast is measured by `make benchmark` (measure_chat_page), not asserted here.
    chat = new_chat(browser, stack)
    chat.set_up_tablet()
    for _ in range(3):
        chat.page.goto(f"{stack.rasa_url}/chat/")
        chat.wait_for_reply(0)
        assert chat.bot_messages.count() >= 1
        chat.page.evaluate("() => sessionStorage.clear()")  # the next load starts a fresh chat
    chat.page.context.close()


@pytest.fixture(autouse=True, scope="module")
def _screenshot_folder() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
