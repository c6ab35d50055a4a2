"""The handoff tests' backend, with a real local stand-in for Rasa's HTTP API that records every request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import RecordingHttpServer, with_safeguarding

RASA_TOKEN = "secret-tok"


@pytest.fixture
async def rasa() -> AsyncIterator[RecordingHttpServer]:
    server = await RecordingHttpServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def handoff_client(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]], rasa: RecordingHttpServer
) -> TestClient:
    return await aiohttp_client(create_app(with_safeguarding(settings, rasa_url=rasa.url, rasa_token=RASA_TOKEN)))
