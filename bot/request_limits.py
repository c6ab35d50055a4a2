"""Request size limit and quiet access log for a Sanic app (Rasa's server, the action server).

Sanic refuses a body over `REQUEST_MAX_SIZE` before any handler or middleware
runs (sanic/http.py raises PayloadTooLarge from the headers or while reading);
the app's error handler then writes the answer. rasa-sdk registers a catch-all
handler that would turn it into a 500 echoing the body, so a handler for
PayloadTooLarge itself (the most specific class wins) answers 413 with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Sanic is imported when used: the e2e tests read the limits from the backend's venv
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

# Rasa's server: a chat message is at most 2,000 characters; JSON-escaped non-ASCII
# (\ud83d\ude00 for one emoji) is at most 12 bytes a character, so 24 KB, plus
# metadata; the backend appends a few events of at most 1,000 characters each.
RASA_MAX_BODY_BYTES = 64 * 1024

# Action server: Rasa sends the domain and every event of the session with each call.
# Measured: 398 KB after 100 turns of one session (about 4 KB a turn, 24 KB of it the
# domain). A safeguarding action must never fail for size, so this leaves room for
# about 4,000 turns; only Rasa (holding the secret) can send a body this big anyway.
ACTIONS_MAX_BODY_BYTES = 16 * 1024 * 1024


async def _too_large(request: Request, exception: Exception) -> HTTPResponse:
    from sanic import response

    return response.json(
        {"error": "PayloadTooLarge", "reason": f"{exception}: the request body is too big for this service"},
        status=413,
    )


def limit_requests(app: Sanic, max_body_bytes: int) -> None:
    """Cap request bodies and never write access lines (Rasa's API takes its token in the URL)."""
    from sanic.exceptions import PayloadTooLarge

    app.config.REQUEST_MAX_SIZE = max_body_bytes
    app.config.ACCESS_LOG = False
    app.error_handler.add(PayloadTooLarge, _too_large)


def limit_requests_on_start(max_body_bytes: int) -> Any:
    """The same, as a `before_server_start` listener, for apps that are built and run in one call."""

    async def listener(app: Sanic, _loop: object) -> None:
        limit_requests(app, max_body_bytes)

    return listener
