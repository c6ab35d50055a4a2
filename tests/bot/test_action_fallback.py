"""bot/action_fallback.py: with no answer from the action server, the real actions run in the Rasa process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import rasa
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.action_fallback import FallbackActionEndpoint, install
from scripts.stack import ROOT
from tests.helpers import free_port

DOMAIN = Domain.load(str(ROOT / "domain"))


@pytest.fixture(autouse=True)
def outbox_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The actions that run here write their outbox where the Rasa process is told (OUTBOX_DIR)."""
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "outbox"))


def _tracker(text: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("child-1", [], slots=DOMAIN.slots)
    tracker.update(UserUttered(text, {"name": "share_feeling", "confidence": 1.0}, message_id="m1"))
    return tracker


async def _server(handler: Any) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}/webhook"
    await runner.cleanup()


@pytest.fixture
async def answers_502() -> AsyncIterator[str]:
    """What nginx says when no action server replica is alive."""

    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="no live upstream")

    async for url in _server(bad_gateway):
        yield url


@pytest.fixture
async def rejects() -> AsyncIterator[str]:
    async def rejection(request: web.Request) -> web.Response:
        return web.json_response({"error": "not this slot", "action_name": "action_answer_feeling"}, status=400)

    async for url in _server(rejection):
        yield url


@pytest.fixture
async def answers() -> AsyncIterator[str]:
    async def fine(request: web.Request) -> web.Response:
        return web.json_response({"events": [], "responses": [{"text": "from the action server"}]})

    async for url in _server(fine):
        yield url


async def _run(url: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """RemoteAction, exactly as Rasa runs it, through the fallback endpoint."""
    endpoint = FallbackActionEndpoint(EndpointConfig(url=url, headers={"Authorization": "Bearer s3cret"}))
    output = CollectingOutputChannel()
    try:
        events = await RemoteAction("action_answer_feeling", endpoint).run(
            output, TemplatedNaturalLanguageGenerator(DOMAIN.responses), _tracker("i am so sad"), DOMAIN
        )
    finally:
        await endpoint.close()
    return events, output.messages


async def test_with_nothing_listening_the_action_runs_here_and_the_child_is_answered() -> None:
    events, _ = await _run(f"http://127.0.0.1:{free_port()}/webhook")
    said = " ".join(e.text or "" for e in events if hasattr(e, "text"))
    assert "It's OK to feel sad" in said  # the real action's words


async def test_a_502_from_the_proxy_also_runs_it_here(answers_502: str) -> None:
    events, _ = await _run(answers_502)
    assert any("It's OK to feel sad" in (getattr(e, "text", "") or "") for e in events)


async def test_a_rejection_is_an_answer_and_is_not_run_again_here(rejects: str) -> None:
    with pytest.raises(ActionExecutionRejection):
        await _run(rejects)


async def test_an_answer_from_the_action_server_is_used_as_it_is(answers: str) -> None:
    events, _ = await _run(answers)
    assert [getattr(e, "text", None) for e in events] == ["from the action server"]


async def test_a_4xx_that_is_not_a_rejection_passes_through_as_an_error() -> None:
    async def unauthorised(request: web.Request) -> web.Response:
        return web.Response(status=401, text="no")

    async for url in _server(unauthorised):
        endpoint = FallbackActionEndpoint(EndpointConfig(url=url))
        with pytest.raises(ClientResponseError):
            await endpoint.request(json={"next_action": "action_answer_feeling"}, method="post")
        await endpoint.close()


def test_install_replaces_the_agents_and_the_processors_endpoint_once() -> None:
    class Processor:
        action_endpoint = EndpointConfig(url="http://127.0.0.1:1/webhook")

    class Agent:
        processor = Processor()
        action_endpoint = Processor.action_endpoint

    agent = Agent()
    install(agent)
    first = agent.action_endpoint
    assert isinstance(first, FallbackActionEndpoint) and agent.processor.action_endpoint is first
    assert first.url == "http://127.0.0.1:1/webhook"
    install(agent)
    assert agent.action_endpoint is first


def test_rasa_version_is_the_one_this_was_written_for() -> None:
    # FallbackActionEndpoint copies EndpointConfig.request's behaviour from Rasa 3.6.
    assert rasa.__version__.startswith("3.6."), Path(rasa.__file__)
