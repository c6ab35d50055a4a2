"""Read and validate a JSON request body against a pydantic model."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 64 * 1024


async def read_body(request: web.Request, model: type[M]) -> M:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="send the body as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    raw = await request.read()
    # model_validate_json raises ValidationError (-> 422) for bad JSON and bad fields alike.
    return model.model_validate_json(raw)
