"""A crash of any one service never stops the chat or safeguarding (the stack runs as `make run` runs it).

Each test kills one service with SIGKILL, as a crash would, and checks that
supervisord brings it back by itself while the others keep their pids, and
that a child talking meanwhile is answered and their disclosure reaches staff
exactly once.
"""

from __future__ import annotations

import re
import sqlite3
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import RunningStack, texts
from tests.helpers import wait_for

pytestmark = pytest.mark.single_stack  # the one-machine stack's files and service names

DISCLOSURE = "my key worker grabbed me and hit me last night"
REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")
# Whatever the form asks, answered as the walking-skeleton test does.
ANSWERS = {
    "anything else": "/deny",
    "happen": "I want my phone back",
    "who you are": "/stay_anonymous",
}


def _alerts_for(stack: RunningStack, conversation_id: str) -> list[sqlite3.Row]:
    return stack.rows("SELECT * FROM alerts WHERE conversation_id = ?", conversation_id)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (loopback test server)
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _restarted(stack: RunningStack, name: str, old_pid: int, health_url: str, timeout: float) -> int:
    """Wait until supervisord has started `name` again and it answers; its new pid."""
    started = time.monotonic()
    new_pid = wait_for(lambda: (p := stack.stack.pid(name)) and p != old_pid and p, timeout=timeout, interval=0.2)
    wait_for(lambda: _healthy(health_url), timeout=timeout, interval=0.2)
    print(f"{name} answered again {time.monotonic() - started:.1f} s after SIGKILL")  # README's figures (-s)
    return new_pid


def _pids(stack: RunningStack, *names: str) -> dict[str, int]:
    return {name: stack.stack.pid(name) for name in names}


def test_a_killed_backend_comes_back_by_itself_and_the_chat_never_stops(stack: RunningStack) -> None:
    others = _pids(stack, "actions", "rasa")
    killed = stack.stack.kill("backend")
    child = stack.new_sender()
    # Straight after the crash: the child is still answered and kept safe.
    replies = stack.say(child, DISCLOSURE)
    assert "999" in texts(replies) and "not in trouble" in texts(replies)
    _restarted(stack, "backend", killed, f"{stack.backend_url}/health", timeout=30)
    (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=45)
    assert alert["severity"] in ("immediate", "high")
    assert _pids(stack, "actions", "rasa") == others  # nothing else was stopped
    time.sleep(2)  # another pass of the outbox loop: still exactly one alert
    assert len(_alerts_for(stack, child)) == 1


def test_with_the_action_server_down_the_child_is_answered_and_the_alert_still_arrives(stack: RunningStack) -> None:
    stack.stack.stop("actions")  # down for the whole turn, not racing its restart
    try:
        assert not _healthy(f"{stack.stack.config.actions_url}/health")
        child = stack.new_sender()
        replies = stack.say(child, DISCLOSURE)
        assert "999" in texts(replies) and "not in trouble" in texts(replies)
        (alert,) = wait_for(lambda: _alerts_for(stack, child), timeout=30)
        assert alert["source"] == "detector"

        # A whole complaint, too: the receipt's reference is a real record.
        other = stack.new_sender()
        stack.say(other, "I want to complain, staff took my phone for no reason")
        summary = stack.answer_until_summary(other, stack.say(other, "/affirm"), ANSWERS)
        receipt = texts(stack.say(other, "/affirm"))
        reference = REFERENCE.search(receipt)
        assert reference, f"no reference in {receipt!r} after {summary!r}"
        assert len(stack.rows("SELECT * FROM submissions WHERE reference = ?", reference.group(0))) == 1
    finally:
        stack.stack.restart_actions()


def test_a_killed_action_server_comes_back_by_itself(stack: RunningStack) -> None:
    others = _pids(stack, "backend", "rasa")
    killed = stack.stack.kill("actions")
    _restarted(stack, "actions", killed, f"{stack.stack.config.actions_url}/health", timeout=30)
    assert _pids(stack, "backend", "rasa") == others
    child = stack.new_sender()
    assert "999" in texts(stack.say(child, DISCLOSURE))
    assert len(wait_for(lambda: _alerts_for(stack, child), timeout=30)) == 1


def test_a_killed_rasa_server_comes_back_by_itself_with_the_conversation(stack: RunningStack) -> None:
    others = _pids(stack, "backend", "actions")
    child = stack.new_sender()
    stack.say(child, "I want to make a complaint")
    killed = stack.stack.kill("rasa")
    _restarted(stack, "rasa", killed, f"{stack.rasa_url}/", timeout=180)
    assert _pids(stack, "backend", "actions") == others
    # The conversation was kept in the tracker store: the child carries on where they were.
    replies = stack.say(child, "/affirm")
    assert "happened" in texts(replies).lower()


def test_a_complaint_made_while_the_backend_is_down_is_sent_by_itself_once_it_is_back(stack: RunningStack) -> None:
    child = stack.new_sender()
    stack.say(child, "I want to complain, the heating in my room is broken")
    stack.answer_until_summary(child, stack.say(child, "/affirm"), ANSWERS)
    stack.stack.stop("backend")
    try:
        told = texts(stack.say(child, "/affirm"))
        assert "couldn't send it just now" in told and "sent by itself" in told
        assert not REFERENCE.search(told)  # nothing is promised that does not exist yet
    finally:
        stack.stack.restart_backend()
    # Nobody taps anything: the outbox sends it.
    (row,) = wait_for(lambda: _heating(stack), timeout=30)
    # "Try again" now gives the child that same record's reference (with a fresh code).
    receipt = texts(stack.say(child, "try again"))
    assert row["reference"] in receipt
    assert len(_heating(stack)) == 1


def _heating(stack: RunningStack) -> list[sqlite3.Row]:
    return stack.rows("SELECT * FROM submissions WHERE what_happened LIKE ?", "%heating in my room is broken%")
