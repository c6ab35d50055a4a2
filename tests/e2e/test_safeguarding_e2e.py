"""Safeguarding through the real stack: detection -> policy -> action -> outbox -> backend -> staff page."""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.request

import pytest
from playwright.sync_api import Browser

from tests.e2e.conftest import RunningStack, texts
from tests.e2e.staff import create_staff, log_in
from tests.helpers import wait_for

PASSWORD = "a long staff passphrase 42"
DISCLOSURE = "my key worker grabbed me and hit me last night"


@pytest.fixture(scope="module")
def lead(stack: RunningStack) -> str:
    create_staff(stack, "lead", "safeguarding_lead", PASSWORD)
    return "lead"


def _alerts_for(stack: RunningStack, conversation_id: str) -> list[sqlite3.Row]:
    return stack.rows("SELECT * FROM alerts WHERE conversation_id = ?", conversation_id)


def test_a_disclosure_mid_form_reaches_the_live_staff_page_without_reload(
    browser: Browser, stack: RunningStack, lead: str
) -> None:
    page = log_in(browser, stack, lead, PASSWORD, "/staff/alerts")
    page.wait_for_load_state("networkidle")

    child = stack.new_sender()
    stack.say(child, "I want to make a complaint", metadata={"home": "oak-house"})
    stack.say(child, "/affirm")  # now inside the form, asked what happened
    replies = stack.say(child, DISCLOSURE)
    told = texts(replies)
    assert "not in trouble" in told and "0800 1111" in told and "999" in told
    assert any(b["payload"] == "/resume_form" for r in replies for b in r.get("buttons", []))

    # The alert appears on the already-open page, pushed by the server (how fast: `make benchmark`).
    page.get_by_text(DISCLOSURE).first.wait_for(timeout=10_000)
    page.close()

    (alert,) = _alerts_for(stack, child)
    assert alert["home_code"] == "oak-house"
    assert alert["category"] in ("physical_abuse", "staff_conduct")
    assert alert["severity"] in ("immediate", "high")
    turns = json.loads(alert["preceding_turns"]) if isinstance(alert["preceding_turns"], str) else []
    assert any(t["speaker"] == "child" and "complaint" in t["text"] for t in turns)


def test_a_figurative_message_does_not_escalate(stack: RunningStack) -> None:
    child = stack.new_sender()
    replies = stack.say(child, "this homework is killing me lol")
    assert "not in trouble" not in texts(replies)
    assert _alerts_for(stack, child) == []


def test_the_unsafe_button_escalates_with_no_questions(stack: RunningStack) -> None:
    child = stack.new_sender()
    replies = stack.say(child, "/feel_unsafe")
    assert "999" in texts(replies)
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=10)
    assert alert["severity"] == "immediate"
    assert alert["source"] == "button"


@pytest.mark.single_stack
def test_with_the_backend_down_the_alert_is_kept_and_delivered_once_after_restart(stack: RunningStack) -> None:
    child = stack.new_sender()
    stack.stack.stop("backend")
    try:
        replies = stack.say(child, "I feel like killing myself tonight")
        # The child is told at once, even though the backend is down.
        assert "0800 1111" in texts(replies)
        pending = stack.outbox_dir / "alerts.sqlite3"
        with sqlite3.connect(pending) as conn:
            assert conn.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0] >= 1
    finally:
        stack.stack.restart_backend()
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=45)
    assert alert["category"] == "self_harm_suicide"
    time.sleep(2)  # let the delivery loop run again: still exactly one alert
    assert len(_alerts_for(stack, child)) == 1


def _updates(stack: RunningStack, sender: str) -> dict:
    with stack.tablet().open(f"{stack.rasa_url}/chat/updates?sender={sender}&after=0", timeout=10) as resp:
        return json.loads(resp.read())


def test_staff_can_join_talk_and_hand_back(browser: Browser, stack: RunningStack, lead: str) -> None:
    child = stack.new_sender()
    stack.say(child, "/feel_unsafe", metadata={"home": "oak-house"})
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=10)

    page = log_in(browser, stack, lead, PASSWORD, f"/staff/alerts/{alert['id']}")
    page.get_by_role("button", name="Join the conversation").click()
    page.wait_for_url("**/handoff*")
    wait_for(lambda: _updates(stack, child)["handoff"]["active"], timeout=10)

    # While a person is talking, the bot stays quiet.
    assert stack.say(child, "are you a real person") == []
    page.get_by_text("are you a real person").first.wait_for(timeout=10_000)

    page.fill("textarea, input[name=text]", "Yes, I'm Lou from the staff team. Where are you now?")
    page.get_by_role("button", name="Send").click()
    staff_says = wait_for(
        lambda: [m for m in _updates(stack, child)["messages"] if "Where are you now" in m["text"]], timeout=10
    )
    assert staff_says[0]["from"] == "staff"

    page.get_by_role("button", name="Hand back to the bot", exact=True).click()
    wait_for(lambda: not _updates(stack, child)["handoff"]["active"], timeout=10)
    page.close()
    assert stack.say(child, "hi") != []  # the bot answers again


# -- the concern tier and the conversation around a message -----------------------------------------

HINT = "something happened at contact on sunday and im not allowed to say what"
SPLIT_FIRST = "one of my mums mates"
SPLIT_SECOND = "he comes in at night"


def _parse_all(stack: RunningStack, text: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 (loopback test server)
        stack.rasa_api("/model/parse"),
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read())


def _parse(stack: RunningStack, text: str) -> dict:
    return _parse_all(stack, text)["safeguarding"]


def _concerns_for(stack: RunningStack, conversation_id: str) -> list[sqlite3.Row]:
    return stack.rows("SELECT * FROM safeguarding_concerns WHERE conversation_id = ?", conversation_id)


def _payloads(replies: list[dict]) -> set[str]:
    return {b["payload"] for r in replies for b in r.get("buttons", [])}


def test_a_hint_gets_a_gentle_check_in_and_a_concern_in_the_staff_queue(
    browser: Browser, stack: RunningStack, lead: str
) -> None:
    assert _parse(stack, HINT)["level"] == "concern"
    child = stack.new_sender()
    stack.say(child, "I want to make a complaint", metadata={"home": "oak-house"})
    stack.say(child, "/affirm")  # inside the form, asked what happened
    replies = stack.say(child, HINT)
    said = texts(replies)
    assert "check you're OK" in said and "not in trouble" in said
    assert {"/talk_to_person", "/feel_unsafe", "/im_ok"} <= _payloads(replies)
    (concern,) = wait_for(lambda: _concerns_for(stack, child), timeout=10)
    assert (concern["home_code"], concern["status"]) == ("oak-house", "new")
    assert _alerts_for(stack, child) == []  # no alarm for a concern

    # "I'm OK" carries on with the complaint where it was.
    carried_on = texts(stack.say(child, "/im_ok"))
    assert "carry on" in carried_on.lower()
    assert "not in trouble" not in carried_on

    page = log_in(browser, stack, lead, PASSWORD, "/staff/concerns")
    page.get_by_text(HINT).first.wait_for(timeout=10_000)
    page.close()


def test_a_yes_to_the_check_in_raises_an_alert_at_once(stack: RunningStack) -> None:
    child = stack.new_sender()
    stack.say(child, HINT, metadata={"home": "oak-house"})
    (concern,) = wait_for(lambda: _concerns_for(stack, child), timeout=10)
    replies = stack.say(child, "yes")
    assert "0800 1111" in texts(replies) and "not in trouble" in texts(replies)
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=10)
    assert alert["source"] == "check_in"
    assert alert["concern_key"] == concern["idempotency_key"]
    linked = wait_for(lambda: _concerns_for(stack, child)[0]["status"] == "escalated", timeout=10)
    assert linked


def test_a_disclosure_split_over_two_messages_is_caught(stack: RunningStack) -> None:
    # Each message alone is not a live alert (the second alone is a concern)...
    assert _parse(stack, SPLIT_FIRST)["risk"] is False
    assert _parse(stack, SPLIT_SECOND)["risk"] is False
    # ...but said one after the other in a conversation, they are.
    child = stack.new_sender()
    stack.say(child, "hi")
    assert "not in trouble" not in texts(stack.say(child, SPLIT_FIRST))
    replies = stack.say(child, SPLIT_SECOND)
    assert "not in trouble" in texts(replies)
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=10)
    assert "context/read_with_previous" in json.loads(alert["matched"])
    assert any(t["text"] == SPLIT_FIRST for t in json.loads(alert["preceding_turns"]))


def test_a_slash_that_is_not_a_button_is_still_read(stack: RunningStack) -> None:
    assert _parse(stack, "/ he hits me every night")["risk"] is True
    # The bot's own button is an intent Rasa reads without the NLU pipeline: no detector runs on it.
    button = _parse_all(stack, "/affirm")
    assert button["intent"]["name"] == "affirm"
    assert "safeguarding" not in button
