"""The action server's endpoint, with this Rasa process as the fallback when it cannot be reached.

Rasa alone, when the action server is down (crashed, restarting, every replica
gone), logs an error and carries on: the child gets silence and a disclosure's
alert is never written. Here the same `actions` package then runs in this
process, through rasa-sdk's own executor: the child gets the same answers and
an alert goes into the same durable outbox (actions/outbox.py), with a delivery
loop started here too until the action server is back. The actions' keys are
made from the child's message id (actions/turn_keys.py), so an action that ran
on a server that died before answering is not recorded twice.

Only failures where the server did not give an answer fall back: no connection,
a dropped connection, a 5xx (a proxy with no live replica says 502), a timeout.
A 4xx is an answer (400 is rasa-sdk's "rejected": the form re-asks) and passes
through. It also keeps one HTTP session open (Rasa's own endpoint opens a new
session, and a new connection, for every action call).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

log = logging.getLogger(__name__)

# How long to wait for a connection before running the action here instead.
CONNECT_TIMEOUT_SECONDS = 3.0
# An action that calls the backend may take a while; after this the child should not wait longer.
TOTAL_TIMEOUT_SECONDS = 45.0


class LocalActions:
    """rasa-sdk's executor over the `actions` package, in this process; imported on first use."""

    def __init__(self) -> None:
        self._executor: Any = None
        self._delivery: asyncio.Task[None] | None = None

    def _load(self) -> Any:
        if self._executor is None:
            from rasa_sdk.executor import ActionExecutor

            executor = ActionExecutor()
            executor.register_package("actions")
            self._executor = executor
        return self._executor

    def _ensure_delivery(self) -> None:
        """Deliver the outbox from here too while the action server is away (the backend de-duplicates)."""
        if self._delivery is None or self._delivery.done():
            from actions.outbox import Outbox
            from actions.safeguarding import deliver

            self._delivery = asyncio.get_running_loop().create_task(
                Outbox.from_env().run_forever(deliver), name="fallback-outbox-delivery"
            )

    async def close(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery

    async def run(self, action_call: dict[str, Any]) -> dict[str, Any]:
        from rasa_sdk.interfaces import ActionExecutionRejection

        executor = self._load()
        self._ensure_delivery()
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as exc:
            # What the action server answers for a rejection; RemoteAction turns it into Rasa's own.
            body = json.dumps({"error": exc.message, "action_name": exc.action_name})
            raise ClientResponseError(400, "Bad Request", body) from exc
        return result or {"events": [], "responses": []}


class FallbackActionEndpoint(EndpointConfig):
    """EndpointConfig for the action server that runs the action here when the server gives no answer."""

    def __init__(self, remote: EndpointConfig, local: LocalActions | None = None) -> None:
        super().__init__(
            url=remote.url,
            params=remote.params,
            headers=remote.headers,
            basic_auth=remote.basic_auth,
            token=remote.token,
            token_name=remote.token_name,
            cafile=remote.cafile,
            **remote.kwargs,
        )
        self.local = local or LocalActions()
        self._session: aiohttp.ClientSession | None = None

    def _shared_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TOTAL_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
            )
        return self._session

    async def _remote(self, method: str, subpath: str | None, compress: bool, kwargs: dict[str, Any]) -> Any:
        headers = {"Content-Type": "application/json", **(self.headers or {})}
        session = self._shared_session()
        params = self.combine_parameters(kwargs)
        async with session.request(
            method, concat_url(self.url, subpath), headers=headers, params=params, compress=compress, **kwargs
        ) as response:
            if response.status >= 400:
                raise ClientResponseError(response.status, response.reason or "", await response.text())
            return await response.json()

    async def request(
        self,
        method: str = "post",
        subpath: str | None = None,
        content_type: str | None = "application/json",
        compress: bool = False,
        **kwargs: Any,
    ) -> Any:
        action_call = kwargs.get("json")
        try:
            return await self._remote(method, subpath, compress, kwargs)
        except ClientResponseError as exc:
            if exc.status < 500 or not isinstance(action_call, dict):
                raise
            reason = f"it answered {exc.status}"
        except (TimeoutError, aiohttp.ClientConnectionError) as exc:
            if not isinstance(action_call, dict):
                raise
            reason = type(exc).__name__
        log.warning(
            "action server gave no answer (%s): running %s in the Rasa process", reason, action_call.get("next_action")
        )
        return await self.local.run(action_call)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self.local.close()


def install(agent: Any) -> None:
    """Make the agent (and the processor it has built) use the fallback endpoint."""
    remote = getattr(agent, "action_endpoint", None)
    if remote is None or isinstance(remote, FallbackActionEndpoint):
        return
    endpoint = FallbackActionEndpoint(remote)
    agent.action_endpoint = endpoint  # a model loaded later builds its processor with this one
    if getattr(agent, "processor", None) is not None:
        agent.processor.action_endpoint = endpoint
