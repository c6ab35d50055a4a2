"""Only the bot's own buttons skip NLU (bot/channels/slash_rule.py), alone and through both channels."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain

from bot.channels.slash_rule import ACTION_PAYLOADS, PAGE_PAYLOADS, ButtonPayloads, domain_payloads, read_as_words
from tests.bot.channels.conftest import ChatServer, Tablet, new_sender

ROOT = Path(__file__).resolve().parents[3]
PAYLOADS = frozenset({"/affirm", "/feel_unsafe", '/choose_kind{"kind": "complaint"}'})


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("/affirm", "/affirm"),
        ("  /affirm  ", "/affirm"),
        ('/choose_kind{"kind": "complaint"}', '/choose_kind{"kind": "complaint"}'),
        ("/ he hits me every night", "he hits me every night"),
        ("/kms", "kms"),
        ("//affirm", "affirm"),
        ("/ /affirm", "affirm"),
        ("/affirm he hits me", "affirm he hits me"),
        ("/affirm@1.0 he hits me every night", "affirm@1.0 he hits me every night"),
        ('/affirm{"x": "he hits me"}', 'affirm{"x": "he hits me"}'),
        ('/choose_kind{"kind": "compliment"}', 'choose_kind{"kind": "compliment"}'),
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ("he hits me / every night", "he hits me / every night"),
        ("They were kind to me", "They were kind to me"),
        ("///", ""),
    ],
)
def test_only_an_exact_payload_keeps_its_slash(typed: str, read: str) -> None:
    assert read_as_words(typed, PAYLOADS) == read


def test_payloads_are_collected_from_the_project_domain() -> None:
    payloads = domain_payloads(Domain.load(str(ROOT / "domain")).responses)
    assert {"/affirm", "/deny", "/feel_unsafe", "/talk_to_person", '/choose_kind{"kind": "complaint"}'} <= payloads
    # Plain-text payloads ("My key worker") are words anyway.
    assert all(payload.startswith("/") for payload in payloads)


def _payloads_sent_by_actions() -> set[str]:
    """Every "payload": "/..." literal in a dict in actions/*.py."""
    found: set[str] = set()
    for path in sorted((ROOT / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    is_payload = isinstance(key, ast.Constant) and key.value == "payload"
                    if is_payload and isinstance(value, ast.Constant) and str(value.value).startswith("/"):
                        found.add(value.value)
    return found


def test_every_button_an_action_sends_is_known() -> None:
    sent = _payloads_sent_by_actions()
    assert sent, "no payloads found in actions/: has the way actions send buttons changed?"
    assert sent <= ACTION_PAYLOADS | domain_payloads(Domain.load(str(ROOT / "domain")).responses)


def test_the_pages_own_payloads_are_known() -> None:
    page = (ROOT / "bot/chat/chat.js").read_text()
    for payload in PAGE_PAYLOADS:
        assert f'"{payload}"' in page
    assert ButtonPayloads().for_domain(None) >= PAGE_PAYLOADS | ACTION_PAYLOADS


# ---- through the channels ---------------------------------------------------------------


async def test_a_slash_message_that_is_not_a_button_goes_through_nlu(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    # Rasa alone would read "/affirm@1.0 ..." as the affirm intent, skipping NLU and the detector.
    status, replies = await tablet.send(sender, "/affirm@1.0 hello")
    assert status == 200
    assert [r["text"] for r in replies] == ["Hello! Pick one."]  # NLU read "hello"
    [message] = await server.user_messages(sender)
    assert message.text == "affirm@1.0 hello"
    assert message.intent["name"] == "greet"


async def test_a_real_button_payload_still_works(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    status, replies = await tablet.send(sender, "/affirm")
    assert status == 200 and [r["text"] for r in replies] == ["Thanks."]
    assert [m.text for m in await server.user_messages(sender)] == ["/greet", "/affirm"]


async def test_the_rest_channel_reads_a_slash_message_as_words_too(server: ChatServer) -> None:
    sender = new_sender()
    answer = await server.rest({"sender": sender, "message": "/feel_unsafe@1 hello"})
    assert answer.status == 200
    assert [r["text"] for r in await answer.json()] == ["Hello! Pick one."]
    answer = await server.rest({"sender": sender, "message": "/feel_unsafe"})
    assert [r["text"] for r in await answer.json()] == ["I'm telling an adult now."]
