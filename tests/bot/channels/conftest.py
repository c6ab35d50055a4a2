"""A real Rasa server in this process with the project's two channels, over real HTTP.

A tiny Rasa model (a few rules, trained once per session in a few seconds) is
loaded into a real Agent with Rasa's in-memory tracker store; the chat and REST
channels are registered on Rasa's own Sanic app exactly as `rasa run` does, with
the HTTP API enabled (and its token required), so handoff events are added
through the same API the backend uses. Each tablet is its own HTTP client with
its own cookie jar, set up through the real POST /chat/setup.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import register
from rasa.core.run import configure_app
from rasa.shared.core.events import UserUttered
from sanic import Sanic

from bot.channels.chat import ChatInput
from bot.channels.rest import TrustedRestInput
from bot.channels.tablet_token import TabletTokens

SETUP_CODE = "tablet-setup-123"
TOKEN_KEY = "k" * 16 + "this-is-the-test-tablet-key-0123"
API_TOKEN = "rasa-api-token-for-these-tests-0123456789"

TINY_DOMAIN = """
version: "3.1"
intents: [greet, affirm, feel_unsafe]
responses:
  utter_greet:
    - text: "Hello! Pick one."
      buttons:
        - title: "Yes please"
          payload: /affirm
  utter_ok:
    - text: "Thanks."
  utter_unsafe:
    - text: "I'm telling an adult now."
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
  - intent: feel_unsafe
    examples: |
      - unsafe
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: affirm
    steps:
      - intent: affirm
      - action: utter_ok
  - rule: unsafe
    steps:
      - intent: feel_unsafe
      - action: utter_unsafe
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_sender() -> str:
    return str(uuid.uuid4())


class FakeClock:
    """Time the limiters see; tests move it instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


Reply = tuple[int, Any]


async def _answer(response: aiohttp.ClientResponse) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.text()


class Tablet:
    """One tablet's browser: its own cookie jar, so its own tablet token."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.http = session

    async def set_up(self, home: str = "home-7", code: str = SETUP_CODE) -> Reply:
        async with self.http.post(f"{self.url}/chat/setup", json={"home": home, "setup_code": code}) as response:
            return response.status, await _answer(response)

    async def forget(self, code: str | None = SETUP_CODE) -> Reply:
        body = {} if code is None else {"setup_code": code}
        async with self.http.post(f"{self.url}/chat/forget", json=body) as response:
            return response.status, await _answer(response)

    async def send(self, sender: str, message: str, client_message_id: str | None = None, **metadata: Any) -> Reply:
        body = {
            "sender": sender,
            "message": message,
            "metadata": {"client_message_id": client_message_id or uuid.uuid4().hex, **metadata},
        }
        async with self.http.post(f"{self.url}/chat/webhook", json=body) as response:
            return response.status, await _answer(response)

    async def send_full(self, body: Any) -> aiohttp.ClientResponse:
        """The raw answer (status, headers), for limit and size checks."""
        async with self.http.post(f"{self.url}/chat/webhook", json=body) as response:
            await response.read()
            return response

    async def poll(self, sender: str, after: float = 0) -> Reply:
        async with self.http.get(f"{self.url}/chat/updates", params={"sender": sender, "after": after}) as response:
            return response.status, await _answer(response)

    async def updates(self, sender: str, after: float = 0) -> dict[str, Any]:
        status, body = await self.poll(sender, after)
        assert status == 200, body
        return body

    def cookie(self) -> str | None:
        for morsel in self.http.cookie_jar:
            if morsel.key == "tablet":
                return morsel.value
        return None


class ChatServer:
    def __init__(self, url: str, agent: Agent, channel: ChatInput, rest: TrustedRestInput) -> None:
        self.url = url
        self.agent = agent
        self.channel = channel
        self.rest_channel = rest
        self._sessions: list[aiohttp.ClientSession] = []
        self.http = self._session()

    def _session(self) -> aiohttp.ClientSession:
        # unsafe=True: aiohttp keeps cookies for IP-address hosts (127.0.0.1) only when told to.
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self._sessions.append(session)
        return session

    def new_tablet(self) -> Tablet:
        return Tablet(self.url, self._session())

    async def tablet(self, home: str = "home-7") -> Tablet:
        tablet = self.new_tablet()
        status, body = await tablet.set_up(home)
        assert status == 200, body
        return tablet

    async def rest(
        self, body: Any, token: str | None = API_TOKEN, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        sent_headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http.post(
            f"{self.url}/webhooks/rest/webhook", json=body, headers={**sent_headers, **(headers or {})}
        ) as response:
            await response.read()
            return response

    async def add_events(self, sender: str, events: list[dict[str, Any]]) -> None:
        """What the backend does during a handoff: Rasa's HTTP API, not the channel."""
        async with self.http.post(
            f"{self.url}/conversations/{sender}/tracker/events", params={"token": API_TOKEN}, json=events
        ) as response:
            assert response.status == 200, await response.text()

    async def user_messages(self, sender: str) -> list[UserUttered]:
        tracker = await self.agent.tracker_store.retrieve(sender)
        if tracker is None:
            return []
        return [event for event in tracker.events if isinstance(event, UserUttered)]

    async def close(self) -> None:
        for session in self._sessions:
            await session.close()


ChannelFactory = Callable[[], ChatInput]


@contextlib.asynccontextmanager
async def serve(
    agent: Agent,
    chat: ChatInput | None = None,
    rest: TrustedRestInput | None = None,
    host: str = "127.0.0.1",
    url_host: str = "127.0.0.1",
) -> AsyncIterator[ChatServer]:
    chat = chat or ChatInput(tokens=TabletTokens(TOKEN_KEY), setup_code=SETUP_CODE)
    rest = rest or TrustedRestInput(API_TOKEN)
    Sanic.test_mode = True  # Rasa's app has a fixed name; each test builds a new one
    app = configure_app(input_channels=None, enable_api=True, auth_token=API_TOKEN)
    register([chat, rest], app, route="/webhooks/")
    app.ctx.agent = agent
    port = free_port()
    sanic_server = await app.create_server(host=host, port=port, return_asyncio_server=True, access_log=False)
    await sanic_server.startup()
    await sanic_server.before_start()
    await sanic_server.after_start()
    running = ChatServer(f"http://{url_host}:{port}", agent, chat, rest)
    try:
        yield running
    finally:
        await running.close()
        await sanic_server.before_stop()
        await sanic_server.close()
        await sanic_server.after_stop()


@pytest.fixture
async def server(tiny_model: str) -> AsyncIterator[ChatServer]:
    async with serve(Agent.load(tiny_model)) as running:
        yield running


@pytest.fixture
async def tablet(server: ChatServer) -> Tablet:
    return await server.tablet("home-7")
