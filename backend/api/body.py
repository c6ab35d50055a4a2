"""Read and validate a JSON request body against a pydantic model."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel

from backend.limits import API_MAX_BYTES

M = TypeVar("M", bound=BaseModel)

# The size limit middleware (backend/limits.py) has already refused bigger bodies with a 413.
MAX_BODY_BYTES = API_MAX_BYTES


async def read_body(request: web.Request, model: type[M]) -> M:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="send the body as application/json")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    raw = await request.read()
    # model_validate_json raises ValidationError (-> 422) for bad JSON and bad fields alike. Strict: a
    # JSON body must use the types the OpenAPI document gives (no "yes" for true, no number for a date).
    return model.model_validate_json(raw, strict=True)
