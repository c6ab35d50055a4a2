"""The tablet chat page's own Rasa input channel, served at /chat on the Rasa server.

Rasa's REST webhook plus what the page needs, all on one origin (no CORS):

- GET  /chat/                the chat page; /chat/static/<file> its CSS and JS
- GET  /chat/home            the neutral page "Quick exit" goes to
- GET  /chat/setup           staff set the tablet's home once (POST checks the setup code)
- GET  /chat/config          idle timeout and polling interval for the page
- POST /chat/webhook         one message in, the bot's replies out; retries are answered once
- GET  /chat/updates         staff messages and handoff state during a human handoff

Registered in credentials.yml as `bot.channels.chat.ChatInput: {}`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.chat_request import (
    ChatMessage,
    ChatRequestError,
    parse_after,
    parse_chat_message,
    parse_home,
    parse_sender,
)
from bot.channels.dedup_cache import Replies, ReplyCache
from bot.channels.setup_guard import SetupDecision, SetupGuard
from bot.channels.updates import staff_updates

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
    """REST input for the tablet chat page, with retry-safe sends and handoff polling."""

    def __init__(
        self,
        idle_minutes: float = 5.0,
        poll_seconds: float = 2.5,
        setup_code: str | None = None,
        page_dir: Path = PAGE_DIR,
    ) -> None:
        self.idle_minutes = idle_minutes
        self.poll_seconds = poll_seconds
        self.page_dir = page_dir
        self.replies = ReplyCache()
        self.setup_guard = SetupGuard(setup_code)
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
        return cls(
            idle_minutes=_number_from(credentials, "idle_minutes", "CHAT_IDLE_MINUTES", 5.0),
            poll_seconds=_number_from(credentials, "poll_seconds", "CHAT_POLL_SECONDS", 2.5),
            setup_code=os.environ.get("TABLET_SETUP_CODE") or None,
        )

    def url_prefix(self) -> str:
        # Absolute, so register() puts it at /chat rather than /webhooks/chat.
        return "/chat"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Only the checked fields reach the tracker (actions read metadata["home"])."""
        return parse_chat_message(request.json).metadata()

    def _page(self, key: str) -> Awaitable[HTTPResponse]:
        return response.file(self.page_dir / PAGES[key], mime_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

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

        @chat.route("/setup", methods=["POST"])
        async def setup(request: Request) -> HTTPResponse:
            try:
                body = _json_object(request)
                home = parse_home(body.get("home"))
                if home is None:
                    raise ChatRequestError("home is required")
            except ChatRequestError as error:
                return response.json({"error": str(error)}, status=400)
            code = body.get("setup_code")
            decision = self.setup_guard.check(request.ip, code if isinstance(code, str) else "")
            if decision is SetupDecision.ALLOWED:
                return response.json({"home": home})
            status, reason = {
                SetupDecision.WRONG_CODE: (403, "That setup code is not right."),
                SetupDecision.LOCAL_ONLY: (
                    403,
                    "No setup code is configured (TABLET_SETUP_CODE), so setup works only on the server.",
                ),
                SetupDecision.TOO_MANY_TRIES: (429, "Too many wrong codes. Wait 10 minutes and try again."),
            }[decision]
            return response.json({"error": reason}, status=status)

        @chat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                message = parse_chat_message(_json_object(request))
            except ChatRequestError as error:
                return response.json({"error": str(error)}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                # Rasa would silently drop the message; the page shows its kind message and retries.
                return response.json({"error": "the assistant is starting"}, status=503)
            try:
                replies, repeat = await self.replies.run_once(
                    message.sender,
                    message.client_message_id,
                    lambda: self._handle(on_new_message, message),
                )
            except Exception:
                logger.exception("chat.webhook.failure")
                return response.json({"error": "the assistant could not answer"}, status=500)
            if repeat:
                logger.info("chat.webhook.repeat answered from cache")
            return response.json(replies, headers={"Cache-Control": "no-store"})

        @chat.route("/updates", methods=["GET"])
        async def updates(request: Request) -> HTTPResponse:
            try:
                sender = parse_sender(request.args.get("sender"))
                after = parse_after(request.args.get("after"))
            except ChatRequestError as error:
                return response.json({"error": str(error)}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or agent.tracker_store is None:
                return response.json({"error": "the assistant is starting"}, status=503)
            tracker = await agent.tracker_store.retrieve(sender)
            events = tracker.events if tracker is not None else []
            return response.json(staff_updates(events, after), headers={"Cache-Control": "no-store"})

        return chat

    async def _handle(self, on_new_message: OnNewMessage, message: ChatMessage) -> Replies:
        collector = CollectingOutputChannel()
        await on_new_message(
            UserMessage(
                message.text,
                collector,
                message.sender,
                input_channel=self.name(),
                message_id=message.client_message_id,
                metadata=message.metadata(),
            )
        )
        return collector.messages


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except InvalidUsage:
        raise ChatRequestError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ChatRequestError("the body must be a JSON object")
    return body


__all__ = ["ChatInput"]
