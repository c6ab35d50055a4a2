"""The backend always calls Rasa's HTTP API with its token (backend/handoff/rasa.py)."""

from __future__ import annotations

import aiohttp
import pytest

from backend.handoff.rasa import RasaClient, RasaError
from tests.backend.alerts_support import RecordingHttpServer


async def test_without_a_token_nothing_is_sent_and_staff_are_told_why() -> None:
    rasa = await RecordingHttpServer().start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, rasa.url, token="")
            with pytest.raises(RasaError, match="no RASA_AUTH_TOKEN"):
                await client.tracker("c-1")
            with pytest.raises(RasaError, match="no RASA_AUTH_TOKEN"):
                await client.say("c-1", "Jo", "hello")
        assert rasa.received == []
    finally:
        await rasa.stop()


async def test_every_call_carries_the_token_as_rasa_accepts_it() -> None:
    rasa = await RecordingHttpServer().start()
    try:
        async with aiohttp.ClientSession() as http:
            client = RasaClient(http, rasa.url, token="t0ken")
            await client.join("c-2", "Jo")
            await client.tracker("c-2")
        assert [r.query for r in rasa.received] == [{"token": "t0ken"}, {"token": "t0ken"}]
    finally:
        await rasa.stop()
