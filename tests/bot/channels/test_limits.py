"""Floods and oversized bodies against the real channels over HTTP.

The limiters here have small, known rates and a clock the test moves, so every
count is exact; the shipped rates are checked in test_rate_limit.py and end to end.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from rasa.core.agent import Agent

from bot.channels.answers import MAX_BODY_BYTES
from bot.channels.chat import ChatInput
from bot.channels.rate_limit import Rate
from bot.channels.rest import TrustedRestInput
from bot.channels.tablet_token import TabletTokens
from tests.bot.channels.conftest import API_TOKEN, SETUP_CODE, TOKEN_KEY, ChatServer, FakeClock, new_sender, serve

TABLET_BURST = 4
ADDRESS_BURST = 10


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(tiny_model: str, clock: FakeClock) -> AsyncIterator[ChatServer]:
    chat = ChatInput(
        tokens=TabletTokens(TOKEN_KEY),
        setup_code=SETUP_CODE,
        tablet_rates=[Rate(burst=TABLET_BURST, per_minute=6)],
        address_rates=[Rate(burst=ADDRESS_BURST, per_minute=6)],
        clock=clock,
    )
    rest = TrustedRestInput(API_TOKEN, address_rates=[Rate(burst=ADDRESS_BURST, per_minute=6)], clock=clock)
    async with serve(Agent.load(tiny_model), chat=chat, rest=rest) as running:
        yield running


def _message(sender: str, text: str = "unsafe", client_message_id: str | None = None) -> dict[str, object]:
    return {"sender": sender, "message": text, "metadata": {"client_message_id": client_message_id or uuid.uuid4().hex}}


async def _handled(server: ChatServer, senders: list[str]) -> int:
    return sum([len(await server.user_messages(sender)) for sender in senders])


# ---- the chat webhook ---------------------------------------------------------------------


async def test_a_flood_from_one_tablet_gets_429_after_its_burst(limited: ChatServer, clock: FakeClock) -> None:
    tablet = await limited.tablet()
    senders = [new_sender() for _ in range(12)]
    answers = [await tablet.send_full(_message(sender)) for sender in senders]
    assert [a.status for a in answers] == [200] * TABLET_BURST + [429] * (12 - TABLET_BURST)
    refused = answers[-1]
    assert refused.headers["Retry-After"] == "10"  # 6 a minute: the next in 10 s
    body = await refused.json()
    assert body["code"] == "rate_limited" and "too many messages" in body["error"]
    # Only the messages let through reached the bot: a new conversation id per message does not help.
    assert await _handled(limited, senders) == TABLET_BURST
    clock.now += 10
    assert (await tablet.send_full(_message(new_sender()))).status == 200


async def test_concurrent_sends_from_one_tablet_are_bounded_too(limited: ChatServer) -> None:
    tablet = await limited.tablet()
    senders = [new_sender() for _ in range(12)]
    answers = await asyncio.gather(*(tablet.send_full(_message(sender)) for sender in senders))
    assert sorted(a.status for a in answers) == [200] * TABLET_BURST + [429] * (12 - TABLET_BURST)
    assert await _handled(limited, senders) == TABLET_BURST


async def test_retries_of_the_same_message_are_not_counted_twice(limited: ChatServer) -> None:
    tablet = await limited.tablet()
    sender = new_sender()
    first = _message(sender, "hello", client_message_id="retry-me-0001")
    for _ in range(TABLET_BURST * 3):
        assert (await tablet.send_full(first)).status == 200
    # The retries cost nothing: the rest of the burst is still there.
    statuses = [(await tablet.send_full(_message(sender, "yes"))).status for _ in range(TABLET_BURST)]
    assert statuses == [200] * (TABLET_BURST - 1) + [429]
    assert len(await limited.user_messages(sender)) == TABLET_BURST


async def test_a_refused_message_can_be_sent_again_with_its_id_once_there_is_room(
    limited: ChatServer, clock: FakeClock
) -> None:
    """What the page does after 'Slow down a little': the same message, the same id, later."""
    tablet = await limited.tablet()
    for _ in range(TABLET_BURST):
        await tablet.send_full(_message(new_sender()))
    sender = new_sender()
    message = _message(sender, "hello", client_message_id="slow-down-0001")
    assert (await tablet.send_full(message)).status == 429
    assert await limited.user_messages(sender) == []
    clock.now += 10
    again = await tablet.send_full(message)
    assert again.status == 200 and (await again.json())[0]["text"] == "Hello! Pick one."


async def test_many_tablets_from_one_address_share_its_limit(limited: ChatServer) -> None:
    tablets = [await limited.tablet() for _ in range(5)]  # five tokens, each under its own limit
    senders: list[str] = []
    statuses: list[int] = []
    for _ in range(3):
        for tablet in tablets:
            senders.append(new_sender())
            statuses.append((await tablet.send_full(_message(senders[-1]))).status)
    assert statuses.count(200) == ADDRESS_BURST
    assert statuses[ADDRESS_BURST:] == [429] * (15 - ADDRESS_BURST)
    assert await _handled(limited, senders) == ADDRESS_BURST


async def test_requests_without_a_token_do_not_use_a_tablets_limit(limited: ChatServer) -> None:
    stranger = limited.new_tablet()
    for _ in range(20):
        assert (await stranger.send_full(_message(new_sender()))).status == 401
    tablet = await limited.tablet()
    statuses = [(await tablet.send_full(_message(new_sender()))).status for _ in range(TABLET_BURST)]
    assert statuses == [200] * TABLET_BURST


# ---- the REST channel -----------------------------------------------------------------------


async def test_the_rest_channel_is_limited_per_address_across_sender_ids(limited: ChatServer) -> None:
    senders = [new_sender() for _ in range(15)]
    answers = [await limited.rest({"sender": sender, "message": "unsafe"}) for sender in senders]
    assert [a.status for a in answers] == [200] * ADDRESS_BURST + [429] * 5
    assert answers[-1].headers["Retry-After"] == "10"
    assert await _handled(limited, senders) == ADDRESS_BURST


# ---- sizes ------------------------------------------------------------------------------------


def _oversized(sender: str) -> dict[str, object]:
    return {**_message(sender), "padding": "x" * MAX_BODY_BYTES}


async def test_an_oversized_chat_body_gets_413_with_a_reason(server: ChatServer) -> None:
    tablet = await server.tablet()
    sender = new_sender()
    answer = await tablet.send_full(_oversized(sender))
    assert answer.status == 413
    body = await answer.json()
    assert body["code"] == "too_large" and f"{MAX_BODY_BYTES} bytes" in body["error"]
    assert await server.user_messages(sender) == []


async def test_an_oversized_rest_body_gets_413_with_a_reason(server: ChatServer) -> None:
    sender = new_sender()
    answer = await server.rest({"sender": sender, "message": "hello", "padding": "x" * MAX_BODY_BYTES})
    assert answer.status == 413
    assert (await answer.json())["code"] == "too_large"
    assert await server.user_messages(sender) == []


async def test_the_longest_message_in_escaped_emoji_still_fits(server: ChatServer) -> None:
    tablet = await server.tablet()
    sender = new_sender()
    answer = await tablet.send_full(_message(sender, "\U0001f600" * 2000))  # aiohttp escapes: 12 bytes each
    assert answer.status == 200


async def test_an_oversized_setup_body_gets_413(server: ChatServer) -> None:
    async with server.http.post(
        f"{server.url}/chat/setup", json={"home": "home-7", "setup_code": SETUP_CODE, "x": "y" * 5000}
    ) as response:
        assert response.status == 413


async def test_polling_for_staff_messages_in_a_loop_gets_429_and_an_honest_page_does_not(
    limited: ChatServer, clock: FakeClock
) -> None:
    tablet = await limited.tablet()
    sender = new_sender()
    # The page polls every 2.5 s: a minute of it is well inside the limit.
    for _ in range(24):
        status, _ = await tablet.poll(sender)
        assert status == 200
        clock.now += 2.5
    # A script reading as fast as it can is slowed down.
    statuses = [(await tablet.poll(sender))[0] for _ in range(60)]
    assert 429 in statuses
