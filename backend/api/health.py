"""Liveness and database reachability."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from backend.appkeys import ENGINE


async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:  # any DB failure means "not healthy", with a reason
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
