"""The tablet chat page's own Rasa input channel, served at /chat on the Rasa server.

Rasa's REST webhook plus what the page needs, all on one origin (no CORS):

- GET  /chat/                the chat page; /chat/static/<file> its CSS and JS
- GET  /chat/home            the neutral page "Quick exit" goes to
- GET  /chat/setup           staff set the tablet's home once; POST with the setup code
                             answers with the signed tablet token as an HttpOnly cookie
- POST /chat/forget          with the setup code again: the tablet token cookie is cleared
- GET  /chat/tablet          which home this tablet's token names (the setup page shows it)
- GET  /chat/config          idle timeout and polling interval for the page
- POST /chat/webhook         one message in, the bot's replies out; retries are answered once
- GET  /chat/updates         staff messages and handoff state during a human handoff

The webhook and updates need the tablet token (401 without a valid one); the home
of every message is read from the token, never from the browser. The webhook is
rate-limited per tablet and per address, refuses bodies over MAX_BODY_BYTES, and
reads any message that is not exactly one of the bot's buttons as words.

Registered in credentials.yml as `bot.channels.chat.ChatInput: {}`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.answers import NO_STORE, problem, slow_down, too_large
from bot.channels.chat_request import (
    ChatMessage,
    ChatRequestError,
    parse_after,
    parse_chat_message,
    parse_home,
    parse_sender,
)
from bot.channels.dedup_cache import Replies, ReplyCache
from bot.channels.rate_limit import (
    CHAT_ADDRESS_RATES,
    POLL_RATES,
    TABLET_RATES,
    Limiter,
    OncePer,
    Rate,
    address_key,
    admit,
)
from bot.channels.setup_guard import SetupDecision, SetupGuard
from bot.channels.slash_rule import ButtonPayloads, read_as_words
from bot.channels.tablet_cookie import (
    came_over_tls,
    clear_tablet_cookie,
    client_address,
    needs_secure,
    set_tablet_cookie,
    tablet_token_from,
)
from bot.channels.tablet_token import DEFAULT_LIFETIME_SECONDS, Tablet, TabletTokenError, TabletTokens
from bot.channels.updates import staff_updates
from bot.service_secrets import read_secret

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent.parent / "chat"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}
PAGES = {"index": "index.html", "setup": "setup.html", "home": "home.html"}

# Everything the page uses comes from this server; nothing may frame it.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # No copy of a conversation in any cache, and no back-button snapshot after Quick exit.
    "Cache-Control": "no-store",
}

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
SETUP_MAX_BODY_BYTES = 4096  # a home code and a setup code


def _number_from(credentials: dict[str, Any], key: str, env: str, default: float) -> float:
    raw = credentials.get(key, os.environ.get(env, default))
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{key} must be more than 0, got {raw!r}")
    return value


class ChatInput(RestInput):
    """REST input for the tablet chat page: tablet token, limits, retry-safe sends, handoff polling."""

    def __init__(
        self,
        tokens: TabletTokens,
        idle_minutes: float = 5.0,
        poll_seconds: float = 2.5,
        setup_code: str | None = None,
        page_dir: Path = PAGE_DIR,
        tablet_rates: Sequence[Rate] = TABLET_RATES,
        address_rates: Sequence[Rate] = CHAT_ADDRESS_RATES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tokens = tokens
        self.idle_minutes = idle_minutes
        self.poll_seconds = poll_seconds
        self.page_dir = page_dir
        self.replies = ReplyCache()
        self.setup_guard = SetupGuard(setup_code)
        self.per_tablet = Limiter(tablet_rates, clock=clock)
        self.per_address = Limiter(address_rates, clock=clock)
        self.polls = Limiter(POLL_RATES, clock=clock)
        self.refusals_logged = OncePer(clock=clock)
        self.payloads = ButtonPayloads()
        # Only files that exist at start-up can be served: no path ever comes from the URL.
        self.static_files = {
            path.name: path for path in sorted(page_dir.iterdir()) if path.is_file() and path.suffix in STATIC_TYPES
        }

    @classmethod
    def name(cls) -> str:
        return "chat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> ChatInput:
        credentials = credentials or {}
        days = _number_from(credentials, "tablet_token_days", "TABLET_TOKEN_DAYS", DEFAULT_LIFETIME_SECONDS / 86400)
        return cls(
            # No key, no chat: without it no tablet could prove its home (make setup writes one).
            tokens=TabletTokens(read_secret("TABLET_TOKEN_KEY"), lifetime_seconds=int(days * 86400)),
            idle_minutes=_number_from(credentials, "idle_minutes", "CHAT_IDLE_MINUTES", 5.0),
            poll_seconds=_number_from(credentials, "poll_seconds", "CHAT_POLL_SECONDS", 2.5),
            setup_code=os.environ.get("TABLET_SETUP_CODE") or None,
        )

    def url_prefix(self) -> str:
        # Absolute, so register() puts it at /chat rather than /webhooks/chat.
        return "/chat"

    def _page(self, key: str) -> Awaitable[HTTPResponse]:
        return response.file(self.page_dir / PAGES[key], mime_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    def _tablet(self, request: Request) -> Tablet:
        return self.tokens.verify(tablet_token_from(request))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        chat = Blueprint("chat_page", __name__)

        @chat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await self._page("index")

        @chat.route("/home", methods=["GET"])
        async def neutral_home(request: Request) -> HTTPResponse:
            return await self._page("home")

        @chat.route("/setup", methods=["GET"])
        async def setup_page(request: Request) -> HTTPResponse:
            return await self._page("setup")

        @chat.route("/static/<filename>", methods=["GET"])
        async def static(request: Request, filename: str) -> HTTPResponse:
            path = self.static_files.get(filename)
            if path is None:
                return response.json({"error": "no such file"}, status=404)
            return await response.file(path, mime_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})

        @chat.route("/config", methods=["GET"])
        async def config(request: Request) -> HTTPResponse:
            return response.json(
                {
                    "idle_minutes": self.idle_minutes,
                    "poll_seconds": self.poll_seconds,
                    "setup_needs_code": self.setup_guard.needs_code,
                }
            )

        @chat.route("/tablet", methods=["GET"])
        async def tablet(request: Request) -> HTTPResponse:
            try:
                current = self._tablet(request)
            except TabletTokenError as error:
                return problem(401, str(error), "tablet_not_set_up")
            return response.json({"home": current.home}, headers=NO_STORE)

        @chat.route("/setup", methods=["POST"])
        async def setup(request: Request) -> HTTPResponse:
            if refused := too_large(request, SETUP_MAX_BODY_BYTES) or _plain_http_off_loopback(request):
                return refused
            try:
                body = _json_object(request)
                home = parse_home(body.get("home"))
                if home is None:
                    raise ChatRequestError("home is required")
            except ChatRequestError as error:
                return problem(400, str(error), error.code)
            refusal = self._check_setup_code(request, body)
            if refusal is not None:
                return refusal
            token, issued = self.tokens.issue(home)
            answer = response.json({"home": home, "expires_at": issued.expires_at}, headers=NO_STORE)
            set_tablet_cookie(answer, request, token, self.tokens.lifetime_seconds)
            # Which tablet ids exist is worth knowing when a tablet is lost; the token itself is never logged.
            logger.info("chat.tablet.set_up home=%s tablet=%s", home, issued.tablet_id)
            return answer

        @chat.route("/forget", methods=["POST"])
        async def forget(request: Request) -> HTTPResponse:
            if refused := too_large(request, SETUP_MAX_BODY_BYTES) or _plain_http_off_loopback(request):
                return refused
            try:
                body = _json_object(request)
            except ChatRequestError as error:
                return problem(400, str(error), error.code)
            refusal = self._check_setup_code(request, body)
            if refusal is not None:
                return refusal
            answer = response.json({"forgotten": True}, headers=NO_STORE)
            clear_tablet_cookie(answer, request)
            logger.info("chat.tablet.forgotten")
            return answer

        @chat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if oversized := too_large(request):
                return oversized
            try:
                current = self._tablet(request)
            except TabletTokenError as error:
                return problem(401, str(error), "tablet_not_set_up")
            try:
                message = parse_chat_message(_json_object(request))
            except ChatRequestError as error:
                return problem(400, str(error), error.code)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                # Rasa would silently drop the message; the page shows its kind message and retries.
                return problem(503, "the assistant is starting", "starting")
            text = read_as_words(message.text, self.payloads.for_domain(agent.domain))
            if not text:
                return problem(400, "message must have words, not only '/'", "bad_request")
            # A retry of a message already taken is answered from the cache and costs nothing.
            if not self.replies.has(message.sender, message.client_message_id):
                wait = admit(
                    (self.per_tablet, current.tablet_id),
                    (self.per_address, address_key(client_address(request))),
                )
                if wait:
                    if self.refusals_logged.due(current.tablet_id):
                        logger.warning("chat.webhook.rate_limited tablet=%s home=%s", current.tablet_id, current.home)
                    return slow_down(wait)
            if refused := await _other_tablets_conversation(agent, message.sender, current):
                return refused
            try:
                replies, repeat = await self.replies.run_once(
                    message.sender,
                    message.client_message_id,
                    lambda: self._handle(on_new_message, message, text, current),
                )
            except Exception:
                logger.exception("chat.webhook.failure")
                return problem(500, "the assistant could not answer", "failed")
            if repeat:
                logger.info("chat.webhook.repeat answered from cache")
            return response.json(replies, headers=NO_STORE)

        @chat.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            try:
                current = self._tablet(request)
            except TabletTokenError as error:
                return problem(401, str(error), "tablet_not_set_up")
            try:
                sender = parse_sender(request.args.get("sender"))
                after = parse_after(request.args.get("after"))
            except ChatRequestError as error:
                return problem(400, str(error), error.code)
            if wait := admit((self.polls, current.tablet_id)):
                return slow_down(wait)  # the page just polls again later
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or agent.tracker_store is None:
                return problem(503, "the assistant is starting", "starting")
            tracker = await agent.tracker_store.retrieve(sender)
            events = tracker.events if tracker is not None else []
            if _started_on_another_tablet(events, current):
                return problem(403, "this conversation was started on another tablet", "other_tablet")
            return response.json(staff_updates(events, after), headers=NO_STORE)

        return chat

    def _check_setup_code(self, request: Request, body: dict[str, Any]) -> HTTPResponse | None:
        code = body.get("setup_code")
        decision = self.setup_guard.check(client_address(request), code if isinstance(code, str) else "")
        if decision is SetupDecision.ALLOWED:
            return None
        status, reason = {
            SetupDecision.WRONG_CODE: (403, "That setup code is not right."),
            SetupDecision.LOCAL_ONLY: (
                403,
                "No setup code is configured (TABLET_SETUP_CODE), so setup works only on the server.",
            ),
            SetupDecision.TOO_MANY_TRIES: (429, "Too many wrong codes. Wait 10 minutes and try again."),
        }[decision]
        return problem(status, reason, decision.value)

    async def _handle(self, on_new_message: OnNewMessage, message: ChatMessage, text: str, tablet: Tablet) -> Replies:
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(
                text,
                collector,
                message.sender,
                input_channel=self.name(),
                message_id=message.client_message_id,
                # Built here, never copied from the request: the actions read the home from it.
                metadata={
                    "home": tablet.home,
                    "tablet": tablet.tablet_id,
                    "client_message_id": message.client_message_id,
                },
            )
        )
        return collector.messages


def _started_on_another_tablet(events: Sequence[Any], tablet: Tablet) -> bool:
    """A conversation belongs to the tablet that sent its first message (REST ones to none)."""
    for event in events:
        if isinstance(event, UserUttered):
            owner = (event.metadata or {}).get("tablet")
            return isinstance(owner, str) and owner != tablet.tablet_id
    return False


async def _other_tablets_conversation(agent: Any, sender: str, tablet: Tablet) -> HTTPResponse | None:
    tracker = await agent.tracker_store.retrieve(sender) if agent.tracker_store is not None else None
    if tracker is not None and _started_on_another_tablet(tracker.events, tablet):
        return problem(403, "this conversation was started on another tablet", "other_tablet")
    return None


def _plain_http_off_loopback(request: Request) -> HTTPResponse | None:
    # The token cookie is Secure off loopback: over plain HTTP the browser would drop it
    # and the tablet would look set up but not be. Say so instead.
    if needs_secure(request) and not came_over_tls(request):
        return problem(
            403,
            "Set up this tablet over HTTPS: the tablet token is only sent over an encrypted connection.",
            "https_required",
        )
    return None


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except InvalidUsage:
        raise ChatRequestError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ChatRequestError("the body must be a JSON object")
    return body


__all__ = ["ChatInput"]
