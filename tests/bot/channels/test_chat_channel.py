"""The chat page's Rasa channel (bot/channels/chat.py), over real HTTP.

A tiny Rasa model (two rules, trained once per session in a few seconds) is
loaded into a real Agent with Rasa's in-memory tracker store; the channel is
registered on Rasa's own Sanic app exactly as `rasa run` does, with the HTTP
API enabled, so handoff events are added through the same API the backend uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import register
from rasa.core.run import configure_app
from rasa.shared.core.events import UserUttered
from sanic import Sanic

from bot.channels.chat import ChatInput
from bot.channels.chat_request import MAX_MESSAGE_CHARS
from bot.channels.dedup_cache import ReplyCache
from bot.channels.setup_guard import SetupDecision, SetupGuard

SETUP_CODE = "tablet-setup-123"

TINY_DOMAIN = """
version: "3.1"
intents: [greet, affirm]
responses:
  utter_greet:
    - text: "Hello! Pick one."
      buttons:
        - title: "Yes please"
          payload: /affirm
  utter_ok:
    - text: "Thanks."
"""
TINY_CONFIG = """
recipe: default.v1
assistant_id: chat-channel-test
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
"""
TINY_DATA = """
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hello
  - intent: affirm
    examples: |
      - yes
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: affirm
    steps:
      - intent: affirm
      - action: utter_ok
"""


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from rasa.model_training import train

    folder = tmp_path_factory.mktemp("tiny_bot")
    for name, text in {"domain.yml": TINY_DOMAIN, "config.yml": TINY_CONFIG, "data.yml": TINY_DATA}.items():
        (folder / name).write_text(text)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RASA_TELEMETRY_ENABLED", "false")
        env.setenv("RASA_CACHE_DIRECTORY", str(folder / "cache"))  # not the project's .rasa/cache
        result = train(
            str(folder / "domain.yml"), str(folder / "config.yml"), [str(folder / "data.yml")], output=str(folder)
        )
    assert result.code == 0 and result.model
    return result.model


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ChatServer:
    def __init__(self, url: str, agent: Agent, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.agent = agent
        self.http = session

    async def send(
        self, sender: str, message: str, client_message_id: str | None = None, home: str | None = "home-7"
    ) -> tuple[int, Any]:
        body = {
            "sender": sender,
            "message": message,
            "metadata": {"home": home, "client_message_id": client_message_id or uuid.uuid4().hex},
        }
        async with self.http.post(f"{self.url}/chat/webhook", json=body) as response:
            return response.status, await response.json()

    async def updates(self, sender: str, after: float = 0) -> dict[str, Any]:
        async with self.http.get(f"{self.url}/chat/updates", params={"sender": sender, "after": after}) as response:
            assert response.status == 200
            return await response.json()

    async def add_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """What the backend does during a handoff: Rasa's HTTP API, not the channel."""
        async with self.http.post(f"{self.url}/conversations/{sender}/tracker/events", json=events) as response:
            assert response.status == 200, await response.text()

    async def user_messages(self, sender: str) -> list[UserUttered]:
        tracker = await self.agent.tracker_store.retrieve(sender)
        return [event for event in tracker.events if isinstance(event, UserUttered)]


@contextlib.asynccontextmanager
async def serve(agent: Agent) -> AsyncIterator[ChatServer]:
    Sanic.test_mode = True  # Rasa's app has a fixed name; each test builds a new one
    app = configure_app(input_channels=None, enable_api=True)
    register([ChatInput(setup_code=SETUP_CODE)], app, route="/webhooks/")
    app.ctx.agent = agent
    port = _free_port()
    sanic_server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    await sanic_server.startup()
    await sanic_server.before_start()
    await sanic_server.after_start()
    try:
        async with aiohttp.ClientSession() as session:
            yield ChatServer(f"http://127.0.0.1:{port}", agent, session)
    finally:
        await sanic_server.before_stop()
        await sanic_server.close()
        await sanic_server.after_stop()


@pytest.fixture
async def server(tiny_model: str) -> AsyncIterator[ChatServer]:
    async with serve(Agent.load(tiny_model)) as running:
        yield running


def new_sender() -> str:
    return str(uuid.uuid4())


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


def test_idle_minutes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_IDLE_MINUTES", "2")
    monkeypatch.setenv("TABLET_SETUP_CODE", "abc")
    channel = ChatInput.from_credentials(None)
    assert channel.idle_minutes == 2.0
    assert channel.setup_guard.needs_code


def test_a_nonsense_idle_timeout_stops_the_server_from_starting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_IDLE_MINUTES", "soon")
    with pytest.raises(ValueError, match="idle_minutes"):
        ChatInput.from_credentials({})


# ---- sending messages ----------------------------------------------------------------


async def test_webhook_returns_the_bot_replies_with_buttons(server: ChatServer) -> None:
    sender = new_sender()
    status, replies = await server.send(sender, "/greet")
    assert status == 200
    assert replies == [
        {
            "recipient_id": sender,
            "text": "Hello! Pick one.",
            "buttons": [{"title": "Yes please", "payload": "/affirm"}],
        }
    ]


async def test_home_and_message_id_reach_the_tracker_and_nothing_else(server: ChatServer) -> None:
    sender = new_sender()
    body = {
        "sender": sender,
        "message": "/greet",
        "metadata": {"home": "home-7", "client_message_id": "msg-00000001", "name": "not wanted"},
    }
    async with server.http.post(f"{server.url}/chat/webhook", json=body) as response:
        assert response.status == 200
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] == "home-7"
    assert message.metadata["client_message_id"] == "msg-00000001"
    # Only the checked fields are passed on (Rasa itself adds assistant_id and model_id).
    assert "name" not in message.metadata
    assert message.input_channel == "chat"


async def test_a_tablet_without_a_home_still_chats(server: ChatServer) -> None:
    sender = new_sender()
    status, replies = await server.send(sender, "/greet", home=None)
    assert status == 200 and replies
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] is None


async def test_while_rasa_has_no_model_the_page_is_told_to_retry() -> None:
    async with serve(Agent()) as starting:
        status, body = await starting.send(new_sender(), "/greet")
    assert status == 503 and "starting" in body["error"]


async def test_a_retried_message_is_processed_once_and_answered_again(server: ChatServer) -> None:
    sender = new_sender()
    first = await server.send(sender, "/greet", client_message_id="same-id-0001")
    again = await server.send(sender, "/greet", client_message_id="same-id-0001")
    assert again == first
    assert len(await server.user_messages(sender)) == 1


async def test_a_retry_sent_while_the_first_is_still_running_is_processed_once(server: ChatServer) -> None:
    sender = new_sender()
    results = await asyncio.gather(*(server.send(sender, "/greet", client_message_id="race-id-0001") for _ in range(3)))
    assert results[0][0] == 200 and results[0][1]
    assert all(result == results[0] for result in results)
    assert len(await server.user_messages(sender)) == 1


async def test_a_new_message_id_is_a_new_message(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet", client_message_id="first-id-001")
    status, replies = await server.send(sender, "/affirm", client_message_id="second-id-01")
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
        (
            {"sender": "sender-0001", "message": "hi", "metadata": {"client_message_id": "abcdefgh", "home": "<b>"}},
            "home",
        ),
    ],
)
async def test_bad_webhook_requests_get_400_with_a_reason(server: ChatServer, body: Any, reason: str) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    async with server.http.post(
        f"{server.url}/chat/webhook", data=data, headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
        assert reason in (await response.json())["error"]


# ---- handoff: polling for staff messages ------------------------------------------


async def test_updates_for_a_conversation_without_staff_are_empty(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet")
    assert await server.updates(sender) == {"messages": [], "handoff": {"active": False, "staff_name": None}}


async def test_updates_for_an_unknown_conversation_are_empty(server: ChatServer) -> None:
    assert await server.updates(new_sender()) == {"messages": [], "handoff": {"active": False, "staff_name": None}}


async def test_staff_messages_and_the_handoff_reach_the_page(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet")
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
    updates = await server.updates(sender)
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


async def test_updates_after_a_timestamp_return_only_newer_staff_messages(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet")
    await server.add_events(
        sender,
        [
            {"event": "pause", "timestamp": 1000.0},
            {"event": "bot", "text": "one", "timestamp": 1001.0, "metadata": {"from_staff": True, "staff_name": "Jo"}},
            {"event": "bot", "text": "two", "timestamp": 1002.0, "metadata": {"from_staff": True, "staff_name": "Jo"}},
        ],
    )
    updates = await server.updates(sender, after=1001.0)
    assert [m["text"] for m in updates["messages"]] == ["two"]
    # The pause carried no name: the name of whoever wrote is shown.
    assert updates["handoff"] == {"active": True, "staff_name": "Jo"}


async def test_resuming_the_bot_ends_the_handoff(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet")
    await server.add_events(sender, [{"event": "pause", "metadata": {"staff_name": "Jo"}}, {"event": "resume"}])
    assert (await server.updates(sender))["handoff"] == {"active": False, "staff_name": None}


async def test_while_staff_have_paused_the_bot_the_child_is_heard_but_the_bot_is_quiet(server: ChatServer) -> None:
    sender = new_sender()
    await server.send(sender, "/greet")
    await server.add_events(sender, [{"event": "pause", "metadata": {"staff_name": "Jo"}}])
    status, replies = await server.send(sender, "yes")
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
async def test_updates_reject_bad_parameters(server: ChatServer, params: dict[str, str]) -> None:
    async with server.http.get(f"{server.url}/chat/updates", params=params) as response:
        assert response.status == 400
        assert "error" in await response.json()


# ---- tablet setup -----------------------------------------------------------------------


async def _setup(server: ChatServer, body: Any) -> tuple[int, dict[str, Any]]:
    async with server.http.post(f"{server.url}/chat/setup", json=body) as response:
        return response.status, await response.json()


async def test_setup_with_the_right_code_returns_the_home(server: ChatServer) -> None:
    assert await _setup(server, {"home": " home-7 ", "setup_code": SETUP_CODE}) == (200, {"home": "home-7"})


async def test_setup_with_a_wrong_code_is_refused(server: ChatServer) -> None:
    status, body = await _setup(server, {"home": "home-7", "setup_code": "guess"})
    assert status == 403 and "not right" in body["error"]


async def test_setup_needs_a_valid_home_code(server: ChatServer) -> None:
    status, body = await _setup(server, {"home": "../../etc", "setup_code": SETUP_CODE})
    assert status == 400 and "home" in body["error"]


async def test_setup_codes_cannot_be_guessed(server: ChatServer) -> None:
    for _ in range(5):
        assert (await _setup(server, {"home": "home-7", "setup_code": "guess"}))[0] == 403
    status, body = await _setup(server, {"home": "home-7", "setup_code": SETUP_CODE})
    assert status == 429 and "Too many" in body["error"]


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
