"""Attacks on the tablet's binding to its home, against the real channel over HTTP.

The home of every message comes from the signed tablet token that POST /chat/setup
issued with the setup code; nothing the browser sends can change it.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator

import jwt
import pytest
from rasa.core.agent import Agent
from yarl import URL

from bot.channels.chat import ChatInput
from bot.channels.tablet_token import AUDIENCE, TabletTokens
from tests.bot.channels.conftest import SETUP_CODE, TOKEN_KEY, ChatServer, Tablet, new_sender, serve

NOT_SET_UP = "tablet_not_set_up"


async def _with_cookie(server: ChatServer, value: str) -> Tablet:
    """A browser presenting a cookie it was never given."""
    tablet = server.new_tablet()
    tablet.http.cookie_jar.update_cookies({"tablet": value}, response_url=URL(server.url))
    return tablet


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unpadded(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# ---- the home comes from the token ------------------------------------------------------


async def test_a_home_spoofed_in_the_metadata_is_ignored(server: ChatServer) -> None:
    tablet = await server.tablet("oak-house")
    sender = new_sender()
    status, _ = await tablet.send(sender, "/greet", home="birch-house")
    assert status == 200
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] == "oak-house"


async def test_a_malformed_home_in_the_metadata_is_ignored_too(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    status, _ = await tablet.send(sender, "/greet", home="<script>")
    assert status == 200
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] == "home-7"


async def test_setup_answers_with_an_httponly_strict_cookie_for_chat_only(server: ChatServer) -> None:
    async with server.http.post(
        f"{server.url}/chat/setup", json={"home": "home-7", "setup_code": SETUP_CODE}
    ) as response:
        assert response.status == 200
        header = response.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=strict"
    assert attributes["path"] == "Path=/chat"
    assert attributes["max-age"] == f"Max-Age={365 * 24 * 3600}"
    # Plain HTTP on loopback (make run on one machine): a Secure cookie would never come back.
    assert "secure" not in attributes


async def test_behind_a_tls_proxy_the_cookie_is_secure(server: ChatServer) -> None:
    async with server.http.post(
        f"{server.url}/chat/setup",
        json={"home": "home-7", "setup_code": SETUP_CODE},
        headers={"X-Forwarded-Proto": "https"},
    ) as response:
        assert response.status == 200
        assert "Secure" in [part.strip() for part in response.headers["Set-Cookie"].split(";")]


def _outward_address() -> str | None:
    """This machine's own non-loopback address (a UDP 'connect' sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.fixture
async def lan_server(tiny_model: str) -> AsyncIterator[ChatServer]:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to reach the server from")
    async with serve(Agent.load(tiny_model), host="0.0.0.0", url_host=address) as running:  # noqa: S104
        yield running


async def test_setup_over_plain_http_from_another_machine_is_refused(lan_server: ChatServer) -> None:
    tablet = lan_server.new_tablet()
    status, body = await tablet.set_up("home-7")
    assert status == 403 and body["code"] == "https_required"
    assert "HTTPS" in body["error"]
    assert tablet.cookie() is None


# ---- no, forged, tampered or foreign tokens -----------------------------------------------


async def test_without_a_token_the_webhook_and_updates_answer_401(server: ChatServer) -> None:
    tablet = server.new_tablet()
    sender = new_sender()
    status, body = await tablet.send(sender, "/greet", home="home-7")
    assert status == 401 and body["code"] == NOT_SET_UP
    assert "not set up" in body["error"]
    status, body = await tablet.poll(sender)
    assert status == 401 and body["code"] == NOT_SET_UP
    assert await server.user_messages(sender) == []


@pytest.mark.parametrize("forged", ["hello", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.e30", ""])
async def test_a_forged_cookie_is_refused(server: ChatServer, forged: str) -> None:
    tablet = await _with_cookie(server, forged)
    sender = new_sender()
    status, body = await tablet.send(sender, "/greet")
    assert status == 401 and body["code"] == NOT_SET_UP
    assert await server.user_messages(sender) == []


async def test_a_token_with_its_home_changed_is_refused(server: ChatServer, tablet: Tablet) -> None:
    token = tablet.cookie()
    assert token
    header, payload, signature = token.split(".")
    claims = json.loads(_unpadded(payload))
    claims["home"] = "birch-house"
    tampered = await _with_cookie(server, f"{header}.{_b64(claims)}.{signature}")
    sender = new_sender()
    status, body = await tampered.send(sender, "/greet")
    assert status == 401 and "signature" in body["error"]
    assert await server.user_messages(sender) == []


async def test_a_token_signed_with_another_key_is_refused(server: ChatServer) -> None:
    other, _ = TabletTokens("another-installation-key-" + "x" * 20).issue("birch-house")
    tablet = await _with_cookie(server, other)
    status, body = await tablet.send(new_sender(), "/greet")
    assert status == 401 and "signature" in body["error"]


async def test_an_unsigned_token_is_refused(server: ChatServer) -> None:
    claims = {"aud": AUDIENCE, "home": "birch-house", "tid": "t" * 22, "iat": 1, "exp": 4_000_000_000}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    tablet = await _with_cookie(server, unsigned)
    status, body = await tablet.send(new_sender(), "/greet")
    assert status == 401 and body["code"] == NOT_SET_UP


async def test_a_jwt_for_something_else_signed_with_the_same_key_is_refused(server: ChatServer) -> None:
    # Say a Rasa API JWT, were the same secret ever reused: wrong audience, no tablet.
    claims = {"user": {"username": "x", "role": "admin"}, "home": "birch-house", "tid": "t" * 22, "iat": 1}
    tablet = await _with_cookie(server, jwt.encode({**claims, "exp": 4_000_000_000}, TOKEN_KEY, algorithm="HS256"))
    status, body = await tablet.send(new_sender(), "/greet")
    assert status == 401 and body["code"] == NOT_SET_UP


# ---- forgetting a tablet ------------------------------------------------------------------


async def test_forget_without_the_code_fails_and_the_tablet_stays_set_up(server: ChatServer, tablet: Tablet) -> None:
    status, body = await tablet.forget(code=None)
    assert status == 403
    status, body = await tablet.forget(code="guess")
    assert status == 403 and "not right" in body["error"]
    assert (await tablet.send(new_sender(), "/greet"))[0] == 200


async def test_forget_with_the_code_clears_the_cookie(server: ChatServer, tablet: Tablet) -> None:
    status, body = await tablet.forget()
    assert status == 200 and body == {"forgotten": True}
    assert tablet.cookie() is None
    status, body = await tablet.send(new_sender(), "/greet")
    assert status == 401 and body["code"] == NOT_SET_UP


async def test_wrong_forget_codes_count_towards_the_setup_lockout(server: ChatServer, tablet: Tablet) -> None:
    for _ in range(5):
        assert (await tablet.forget(code="guess"))[0] == 403
    status, body = await tablet.forget()
    assert status == 429 and "Too many" in body["error"]
    # Setting up is locked for this address too: it is one code.
    assert (await server.new_tablet().set_up("home-7"))[0] == 429


# ---- one tablet cannot read or write another tablet's conversation --------------------------


async def test_another_tablet_cannot_poll_or_continue_a_conversation(server: ChatServer, tablet: Tablet) -> None:
    sender = new_sender()
    assert (await tablet.send(sender, "/greet"))[0] == 200
    await server.add_events(
        sender, [{"event": "pause"}, {"event": "bot", "text": "hi", "metadata": {"from_staff": True}}]
    )
    intruder = await server.tablet("birch-house")
    status, body = await intruder.poll(sender)
    assert status == 403 and body["code"] == "other_tablet"
    status, body = await intruder.send(sender, "yes")
    assert status == 403
    assert [m.text for m in await server.user_messages(sender)] == ["/greet"]


# ---- the tablet's own page can tell whether it is set up ------------------------------------


async def test_the_tablet_endpoint_names_the_home_of_the_token(server: ChatServer, tablet: Tablet) -> None:
    async with tablet.http.get(f"{tablet.url}/chat/tablet") as response:
        assert response.status == 200
        assert await response.json() == {"home": "home-7"}
    async with server.new_tablet().http.get(f"{server.url}/chat/tablet") as response:
        assert response.status == 401


def test_a_channel_needs_a_long_random_key() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        ChatInput(tokens=TabletTokens("short"))
