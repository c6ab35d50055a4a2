"""Request size limits: an oversized body gets a 413 with a reason, before any handler reads it.

JSON API bodies are small (a child's message is at most 5,000 characters); staff forms can
carry long letters. Anything bigger is refused as a whole: JSON for /api/, a page for staff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from backend.errors import problem
from backend.staff.middleware import PAGE_HEADERS

API_MAX_BYTES = 64 * 1024
FORM_MAX_BYTES = 256 * 1024
# aiohttp's own cap for any body (also multipart, which is never read ahead here).
CLIENT_MAX_SIZE = FORM_MAX_BYTES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def limit_for(path: str) -> int:
    return API_MAX_BYTES if path.startswith("/api/") else FORM_MAX_BYTES


def _too_large(request: web.Request, limit: int) -> web.Response:
    kb = limit // 1024
    if request.path.startswith("/api/"):
        return problem(413, "request body too large", f"This endpoint accepts at most {limit} bytes ({kb} KB).")
    page = aiohttp_jinja2.render_template(
        "error.html",
        request,
        {
            "status": 413,
            "title": "Too much to send",
            "reason": f"What you sent is larger than {kb} KB, so nothing was saved. "
            "Shorten the text (or send it in parts) and try again.",
        },
        status=413,
    )
    # Sent before the staff pages' middlewares run, so it sets the headers a page must have itself.
    page.headers.update(PAGE_HEADERS)
    return page


@web.middleware
async def size_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method not in request.POST_METHODS or not request.can_read_body:
        return await handler(request)
    limit = limit_for(request.path)
    if request.content_length is not None and request.content_length > limit:
        return _too_large(request, limit)
    if request.content_length is None and request.content_type != "multipart/form-data":
        # No length given (chunked): read it here, up to the cap. Later reads use this copy.
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _too_large(request, limit)
        if len(body) > limit:
            return _too_large(request, limit)
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return _too_large(request, limit)
