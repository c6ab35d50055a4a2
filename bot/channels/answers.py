"""Refusals the channels share: each a JSON answer with a reason and a code the page can act on."""

from __future__ import annotations

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.rate_limit import retry_after_header

# One chat message is at most 2,000 characters (chat_request.MAX_MESSAGE_CHARS): JSON-escaped
# astral characters take 12 bytes each, so 24 KB, plus the sender, id and metadata.
MAX_BODY_BYTES = 32 * 1024

NO_STORE = {"Cache-Control": "no-store"}


def problem(status: int, reason: str, code: str, headers: dict[str, str] | None = None) -> HTTPResponse:
    return response.json({"error": reason, "code": code}, status=status, headers={**NO_STORE, **(headers or {})})


def too_large(request: Request, limit: int = MAX_BODY_BYTES) -> HTTPResponse | None:
    """413 when the body is over `limit` bytes (Sanic's REQUEST_MAX_SIZE is the server-wide cap)."""
    if len(request.body or b"") > limit:
        return problem(413, f"the request body is over {limit} bytes", "too_large")
    return None


def slow_down(wait_seconds: float) -> HTTPResponse:
    seconds = retry_after_header(wait_seconds)
    return problem(
        429,
        f"too many messages: wait {seconds} s and send again",
        "rate_limited",
        headers={"Retry-After": seconds},
    )
