"""Turn every failure into a JSON answer with a reason; never leak a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError

log = logging.getLogger(__name__)

_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, error: str, detail: object = None) -> web.Response:
    return web.json_response({"error": error, "detail": detail}, status=status)


def _validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    # Drop pydantic's "input" echo: it may contain a child's words.
    return [{"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]} for err in exc.errors()]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ValidationError as exc:
        return problem(422, "validation failed", _validation_detail(exc))
    except json.JSONDecodeError:
        return problem(400, "body is not valid JSON")
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or not request.path.startswith("/api/"):
            raise
        answer = problem(exc.status, exc.reason)
        # What the client needs to act on the error: which methods, which credential, when to retry.
        for name in _KEPT_HEADERS:
            if name in exc.headers:
                answer.headers[name] = exc.headers[name]
        return answer
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "internal error")
