"""The chat page's Rasa channel (bot/channels/chat.py), over real HTTP (server in conftest.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa.core.agent import Agent

from bot.channels.chat import ChatInput
from bot.channels.chat_request import MAX_MESSAGE_CHARS
from bot.channels.dedup_cache import ReplyCache
from bot.channels.setup_guard import SetupDecision, SetupGuard
from tests.bot.channels.conftest import TOKEN_KEY, ChatServer, Tablet, new_sender, serve

# ---- the page and its files --------------------------------------------------------


async def test_chat_page_is_served_at_chat_with_a_strict_content_security_policy(server: ChatServer) -> None:
    async with server.http.get(f"{server.url}/chat/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert response.headers["Cache-Control"] == "no-store"
        html = await response.text()
    assert '<script src="/chat/static/chat.js"' in html
    # Everything the page loads comes from this server.
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("path", ["/chat/home", "/chat/setup"])
async def test_neutral_and_setup_pages_are_served(server: ChatServer, path: str) -> None:
    async with server.http.get(f"{server.url}{path}") as response:
        assert response.status == 200
        assert "<!doctype html>" in (await response.text()).lower()


async def test_static_files_are_served_with_their_type(server: ChatServer) -> None:
    async with server.http.get(f"{server.url}/chat/static/chat.js") as response:
        assert response.status == 200
        assert response.content_type == "text/javascript"
    async with server.http.get(f"{server.url}/chat/static/chat.css") as response:
        assert response.status == 200
        assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "path",
    [
        "/chat/static/..%2Fchannels%2Fchat.py",
        "/chat/static/%2E%2E%2F%2E%2E%2Fcredentials.yml",
        "/chat/static/index.html",
        "/chat/static/missing.js",
    ],
)
async def test_only_the_page_files_can_be_fetched_from_static(server: ChatServer, path: str) -> None:
    async with server.http.get(f"{server.url}{path}") as response:
        assert response.status == 404


async def test_config_tells_the_page_its_idle_timeout_and_polling_interval(server: ChatServer) -> None:
    async with server.http.get(f"{server.url}/chat/config") as response:
        assert await response.json() == {"idle_minutes": 5.0, "poll_seconds": 2.5, "setup_needs_code": True}


def test_idle_minutes_and_the_token_key_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_IDLE_MINUTES", "2")
    monkeypatch.setenv("TABLET_SETUP_CODE", "abc")
    monkeypatch.setenv("TABLET_TOKEN_KEY", TOKEN_KEY)
    monkeypatch.setenv("TABLET_TOKEN_DAYS", "30")
    channel = ChatInput.from_credentials(None)
    assert channel.idle_minutes == 2.0
    assert channel.setup_guard.needs_code
    assert channel.tokens.lifetime_seconds == 30 * 86400


def test_a_nonsense_idle_timeout_stops_the_server_from_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLET_TOKEN_KEY", TOKEN_KEY)
    monkeypatch.setenv("CHAT_IDLE_MINUTES", "soon")
    with pytest.raises(ValueError, match="idle_minutes"):
        ChatInput.from_credentials({})


def test_without_a_token_key_the_chat_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLET_TOKEN_KEY", raising=False)
    monkeypatch.delenv("TABLET_TOKEN_KEY_FILE", raising=False)
    with pytest.raises(RuntimeError, match="TABLET_TOKEN_KEY"):
        ChatInput.from_credentials({})


# ---- sending messages ----------------------------------------------------------------


async def test_webhook_returns_the_bot_replies_with_buttons(tablet: Tablet) -> None:
    sender = new_sender()
    status, replies = await tablet.send(sender, "/greet")
    assert status == 200
    assert replies == [
        {
            "recipient_id": sender,
            "text": "Hello! Pick one.",
            "buttons": [{"title": "Yes please", "payload": "/affirm"}],
        }
    ]


async def test_the_tokens_home_and_the_message_id_reach_the_tracker_and_nothing_else(
    server: ChatServer, tablet: Tablet
) -> None:
    sender = new_sender()
    status, _ = await tablet.send(sender, "/greet", client_message_id="msg-00000001", name="not wanted")
    assert status == 200
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] == "home-7"
    assert message.metadata["client_message_id"] == "msg-00000001"
    assert len(message.metadata["tablet"]) >= 16
    # Only the fields the channel builds are passed on (Rasa itself adds assistant_id and model_id).
    assert "name" not in message.metadata
    assert message.input_channel == "chat"


async def test_while_rasa_has_no_model_the_page_is_told_to_retry() -> None:
    async with serve(Agent()) as starting:
        tablet = await starting.tablet()
        status, body = await tablet.send(new_sender(), "/greet")
    assert status == 503 and "starting" in body["error"]


async def test_a_retried_message_is_processed_once_and_answered_again(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    first = await tablet.send(sender, "/greet", client_message_id="same-id-0001")
    again = await tablet.send(sender, "/greet", client_message_id="same-id-0001")
    assert again == first
    assert len(await server.user_messages(sender)) == 1


async def test_a_retry_sent_while_the_first_is_still_running_is_processed_once(
    server: ChatServer, tablet: Tablet
) -> None:
    sender = new_sender()
    results = await asyncio.gather(*(tablet.send(sender, "/greet", client_message_id="race-id-0001") for _ in range(3)))
    assert results[0][0] == 200 and results[0][1]
    assert all(result == results[0] for result in results)
    assert len(await server.user_messages(sender)) == 1


async def test_a_new_message_id_is_a_new_message(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet", client_message_id="first-id-001")
    status, replies = await tablet.send(sender, "/affirm", client_message_id="second-id-01")
    assert status == 200 and replies[0]["text"] == "Thanks."
    assert len(await server.user_messages(sender)) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "JSON"),
        ([], "object"),
        ({"message": "hi", "metadata": {"client_message_id": "abcdefgh"}}, "sender"),
        ({"sender": "x", "message": "hi", "metadata": {"client_message_id": "abcdefgh"}}, "sender"),
        ({"sender": "sender-0001", "message": "  ", "metadata": {"client_message_id": "abcdefgh"}}, "message"),
        ({"sender": "sender-0001", "message": 5, "metadata": {"client_message_id": "abcdefgh"}}, "message"),
        (
            {
                "sender": "sender-0001",
                "message": "x" * (MAX_MESSAGE_CHARS + 1),
                "metadata": {"client_message_id": "abcdefgh"},
            },
            "at most",
        ),
        ({"sender": "sender-0001", "message": "hi"}, "metadata"),
        ({"sender": "sender-0001", "message": "hi", "metadata": {}}, "client_message_id"),
        (
            {"sender": "sender-0001", "message": "hi", "metadata": {"client_message_id": "a b c d e f"}},
            "client_message_id",
        ),
        ({"sender": "sender-0001", "message": "//", "metadata": {"client_message_id": "abcdefgh"}}, "words"),
    ],
)
async def test_bad_webhook_requests_get_400_with_a_reason(tablet: Tablet, body: Any, reason: str) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    async with tablet.http.post(
        f"{tablet.url}/chat/webhook", data=data, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
        answer = await response.json()
    assert reason in answer["error"]
    # The page tells a message that is too long (make it shorter) from one it cannot send at all.
    assert answer["code"] == ("too_long" if reason == "at most" else "bad_request")


# ---- handoff: polling for staff messages ------------------------------------------


async def test_updates_for_a_conversation_without_staff_are_empty(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    assert await tablet.updates(sender) == {"messages": [], "handoff": {"active": False, "staff_name": None}}


async def test_updates_for_an_unknown_conversation_are_empty(server: ChatServer, tablet: Tablet) -> None:
    assert await tablet.updates(new_sender()) == {"messages": [], "handoff": {"active": False, "staff_name": None}}


async def test_staff_messages_and_the_handoff_reach_the_page(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    await server.add_events(
        sender,
        [
            {"event": "pause", "timestamp": 1000.0, "metadata": {"staff_name": "Jo"}},
            {
                "event": "bot",
                "text": "Hi, I'm Jo. I'm here now.",
                "timestamp": 1001.0,
                "metadata": {"from_staff": True, "staff_name": "Jo"},
            },
        ],
    )
    updates = await tablet.updates(sender)
    assert updates["handoff"] == {"active": True, "staff_name": "Jo"}
    [message] = updates["messages"]
    assert message == {
        "from": "staff",
        "staff_name": "Jo",
        "text": "Hi, I'm Jo. I'm here now.",
        "buttons": [],
        "timestamp": 1001.0,
    }
    # The bot's own messages are never repeated as staff messages.
    assert "Hello" not in json.dumps(updates)


async def test_updates_after_a_timestamp_return_only_newer_staff_messages(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    await server.add_events(
        sender,
        [
            {"event": "pause", "timestamp": 1000.0},
            {"event": "bot", "text": "one", "timestamp": 1001.0, "metadata": {"from_staff": True, "staff_name": "Jo"}},
            {"event": "bot", "text": "two", "timestamp": 1002.0, "metadata": {"from_staff": True, "staff_name": "Jo"}},
        ],
    )
    updates = await tablet.updates(sender, after=1001.0)
    assert [m["text"] for m in updates["messages"]] == ["two"]
    # The pause carried no name: the name of whoever wrote is shown.
    assert updates["handoff"] == {"active": True, "staff_name": "Jo"}


async def test_resuming_the_bot_ends_the_handoff(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    await server.add_events(sender, [{"event": "pause", "metadata": {"staff_name": "Jo"}}, {"event": "resume"}])
    assert (await tablet.updates(sender))["handoff"] == {"active": False, "staff_name": None}


async def test_while_staff_have_paused_the_bot_the_child_is_heard_but_the_bot_is_quiet(
    server: ChatServer, tablet: Tablet
) -> None:
    sender = new_sender()
    await tablet.send(sender, "/greet")
    await server.add_events(sender, [{"event": "pause", "metadata": {"staff_name": "Jo"}}])
    status, replies = await tablet.send(sender, "yes")
    assert status == 200 and replies == []
    assert [m.text for m in await server.user_messages(sender)] == ["/greet", "yes"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sender": "bad id"},
        {"sender": "sender-0001", "after": "yesterday"},
        {"sender": "sender-0001", "after": "nan"},
    ],
)
async def test_updates_reject_bad_parameters(tablet: Tablet, params: dict[str, str]) -> None:
    async with tablet.http.get(f"{tablet.url}/chat/updates", params=params) as response:
        assert response.status == 400
        assert "error" in await response.json()


# ---- tablet setup (the token itself: test_tablet_binding.py) ----------------------------


async def test_setup_with_the_right_code_returns_the_home(server: ChatServer) -> None:
    status, body = await server.new_tablet().set_up(" home-7 ")
    assert status == 200 and body["home"] == "home-7"


async def test_setup_with_a_wrong_code_is_refused(server: ChatServer) -> None:
    status, body = await server.new_tablet().set_up("home-7", code="guess")
    assert status == 403 and "not right" in body["error"]


async def test_setup_needs_a_valid_home_code(server: ChatServer) -> None:
    status, body = await server.new_tablet().set_up("../../etc")
    assert status == 400 and "home" in body["error"]


async def test_setup_codes_cannot_be_guessed(server: ChatServer) -> None:
    tablet = server.new_tablet()
    for _ in range(5):
        assert (await tablet.set_up("home-7", code="guess"))[0] == 403
    status, body = await tablet.set_up("home-7")
    assert status == 429 and "Too many" in body["error"]
    assert tablet.cookie() is None


def test_without_a_setup_code_only_the_server_itself_may_set_up() -> None:
    guard = SetupGuard(None)
    assert guard.check("127.0.0.1", "") is SetupDecision.ALLOWED
    assert guard.check("::1", "") is SetupDecision.ALLOWED
    assert guard.check("192.168.1.20", "anything") is SetupDecision.LOCAL_ONLY


def test_the_setup_lockout_ends_after_its_window() -> None:
    now = [0.0]
    guard = SetupGuard("right", max_failures=2, window_seconds=60, clock=lambda: now[0])
    guard.check("10.0.0.5", "wrong")
    guard.check("10.0.0.5", "wrong")
    assert guard.check("10.0.0.5", "right") is SetupDecision.TOO_MANY_TRIES
    now[0] = 61.0
    assert guard.check("10.0.0.5", "right") is SetupDecision.ALLOWED


# ---- the reply cache on its own --------------------------------------------------------


async def test_reply_cache_forgets_the_oldest_senders_and_ids() -> None:
    cache = ReplyCache(max_senders=2, max_ids_per_sender=2)

    async def work() -> list[dict[str, Any]]:
        return [{"text": "ok"}]

    for sender in ("a", "b", "c"):
        for message_id in ("1", "2", "3"):
            await cache.run_once(sender, message_id, work)
    assert len(cache) == 4  # two senders x two ids


async def test_reply_cache_lets_a_failed_message_be_tried_again() -> None:
    cache = ReplyCache()
    calls = 0

    async def flaky() -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("Rasa fell over")
        return [{"text": "ok"}]

    with pytest.raises(RuntimeError):
        await cache.run_once("a", "1", flaky)
    assert await cache.run_once("a", "1", flaky) == ([{"text": "ok"}], False)
    assert calls == 2
