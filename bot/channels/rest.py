"""Rasa's REST channel for trusted machine callers: tests, evaluation, the benchmark.

Same URL and shape as Rasa's own (`POST /webhooks/rest/webhook` with
{"sender", "message", "metadata"}, the bot's messages back), but:

- it needs RASA_AUTH_TOKEN, taken as Rasa's own HTTP API takes its token
  (`?token=`) or, better because URLs end up in logs, as `Authorization: Bearer`;
- only `metadata.home` is passed on (a caller holding the token is trusted to
  name the home, unlike the tablet's browser);
- bodies over MAX_BODY_BYTES get 413, and each address is rate-limited;
- a message that is not exactly one of the bot's buttons is read as words.

Registered in credentials.yml as `bot.channels.rest.TrustedRestInput: {}`.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.answers import NO_STORE, problem, slow_down, too_large
from bot.channels.chat_request import MAX_MESSAGE_CHARS, ChatRequestError, parse_home, parse_sender
from bot.channels.rate_limit import REST_ADDRESS_RATES, Limiter, OncePer, Rate, address_key, admit
from bot.channels.slash_rule import ButtonPayloads, read_as_words
from bot.channels.tablet_cookie import client_address
from bot.service_secrets import read_secret

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def presented_token(request: Request) -> str:
    """The token from `Authorization: Bearer <token>`, else from `?token=` (as Rasa's API)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or ""


class TrustedRestInput(RestInput):
    def __init__(
        self,
        auth_token: str,
        address_rates: Sequence[Rate] = REST_ADDRESS_RATES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not auth_token:
            raise ValueError("the REST channel needs RASA_AUTH_TOKEN")
        self._token = auth_token.encode()
        self.per_address = Limiter(address_rates, clock=clock)
        self.refusals_logged = OncePer(clock=clock)
        self.payloads = ButtonPayloads()

    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the URL /webhooks/rest/webhook

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TrustedRestInput:
        return cls(read_secret("RASA_AUTH_TOKEN"))

    def _authorised(self, request: Request) -> bool:
        return hmac.compare_digest(presented_token(request).encode(), self._token)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        rest = Blueprint("trusted_rest_webhook", __name__)

        @rest.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if oversized := too_large(request):
                return oversized
            if not self._authorised(request):
                return problem(
                    401,
                    "the REST channel needs RASA_AUTH_TOKEN (Authorization: Bearer <token>, or ?token=)",
                    "unauthorised",
                )
            address = address_key(client_address(request))
            wait = admit((self.per_address, address))
            if wait:
                if self.refusals_logged.due(address):
                    logger.warning("rest.webhook.rate_limited address=%s", address)
                return slow_down(wait)
            try:
                sender, text, home = _parse(request)
            except ChatRequestError as error:
                return problem(400, str(error), error.code)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return problem(503, "the assistant is starting", "starting")
            text = read_as_words(text, self.payloads.for_domain(agent.domain))
            if not text:
                return problem(400, "message must have words, not only '/'", "bad_request")
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata={"home": home} if home else None,
                    )
                )
            except Exception:
                logger.exception("rest.webhook.failure")
                return problem(500, "the assistant could not answer", "failed")
            return response.json(collector.messages, headers=NO_STORE)

        return rest


def _parse(request: Request) -> tuple[str, str, str | None]:
    try:
        body = request.json
    except InvalidUsage:
        raise ChatRequestError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ChatRequestError("the body must be a JSON object")
    sender = parse_sender(body.get("sender"))
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        raise ChatRequestError("message must be non-empty text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ChatRequestError(f"message must be at most {MAX_MESSAGE_CHARS} characters")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ChatRequestError("metadata must be an object")
    return sender, text, parse_home((metadata or {}).get("home"))
