"""The REST channel for machine callers (bot/channels/rest.py): Rasa's URL, our token."""

from __future__ import annotations

import json

import pytest

from bot.channels.rest import TrustedRestInput
from tests.bot.channels.conftest import API_TOKEN, ChatServer, new_sender


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {API_TOKEN}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {API_TOKEN}x"},
    ],
)
async def test_without_the_token_nothing_reaches_the_bot(server: ChatServer, headers: dict[str, str]) -> None:
    sender = new_sender()
    answer = await server.rest({"sender": sender, "message": "hello", "metadata": {"home": "oak"}}, None, headers)
    assert answer.status == 401
    body = await answer.json()
    assert body["code"] == "unauthorised" and "RASA_AUTH_TOKEN" in body["error"]
    assert await server.user_messages(sender) == []


async def test_the_token_as_a_bearer_header(server: ChatServer) -> None:
    answer = await server.rest({"sender": new_sender(), "message": "hello"})
    assert answer.status == 200
    assert [r["text"] for r in await answer.json()] == ["Hello! Pick one."]


async def test_the_token_in_the_query_as_rasas_own_api_takes_it(server: ChatServer) -> None:
    async with server.http.post(
        f"{server.url}/webhooks/rest/webhook",
        params={"token": API_TOKEN},
        json={"sender": new_sender(), "message": "hello"},
    ) as response:
        assert response.status == 200
    async with server.http.post(
        f"{server.url}/webhooks/rest/webhook", params={"token": "nope"}, json={"sender": new_sender(), "message": "hi"}
    ) as response:
        assert response.status == 401


async def test_a_trusted_caller_names_the_home_and_nothing_else_passes(server: ChatServer) -> None:
    sender = new_sender()
    metadata = {"home": "oak-house", "tablet": "made-up-tablet-id", "staff": True}
    answer = await server.rest({"sender": sender, "message": "hello", "metadata": metadata})
    assert answer.status == 200
    [message] = await server.user_messages(sender)
    assert message.metadata["home"] == "oak-house"
    assert "tablet" not in message.metadata and "staff" not in message.metadata
    assert message.input_channel == "rest"


async def test_without_a_home_the_message_carries_none(server: ChatServer) -> None:
    sender = new_sender()
    assert (await server.rest({"sender": sender, "message": "hello"})).status == 200
    [message] = await server.user_messages(sender)
    assert "home" not in (message.metadata or {})


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "JSON"),
        ([1], "object"),
        ({"message": "hi"}, "sender"),
        ({"sender": "x y", "message": "hi"}, "sender"),
        ({"sender": "sender-0001", "message": ""}, "message"),
        ({"sender": "sender-0001", "message": "x" * 2001}, "at most"),
        ({"sender": "sender-0001", "message": "hi", "metadata": "home-1"}, "metadata"),
        ({"sender": "sender-0001", "message": "hi", "metadata": {"home": "../etc"}}, "home"),
        ({"sender": "sender-0001", "message": "/"}, "words"),
    ],
)
async def test_bad_requests_get_400_with_a_reason(server: ChatServer, body: object, reason: str) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    async with server.http.post(
        f"{server.url}/webhooks/rest/webhook",
        data=data,
        headers={"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"},
    ) as response:
        assert response.status == 400
        assert reason in (await response.json())["error"]


async def test_the_health_check_stays_open(server: ChatServer) -> None:
    async with server.http.get(f"{server.url}/webhooks/rest/") as response:
        assert response.status == 200


def test_the_channel_does_not_start_without_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("RASA_AUTH_TOKEN_FILE", raising=False)
    with pytest.raises(RuntimeError, match="RASA_AUTH_TOKEN"):
        TrustedRestInput.from_credentials({})
    monkeypatch.setenv("RASA_AUTH_TOKEN", API_TOKEN)
    assert TrustedRestInput.from_credentials({}).name() == "rest"
