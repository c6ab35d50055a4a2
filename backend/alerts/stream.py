"""GET /staff/alerts/stream: server-sent events for the live alerts page.

On connect: the open alerts (`snapshot`); then every new or changed alert (`alert`)
the moment it is committed. The stream keeps the staff session alive (the duty
monitor must not silently log itself out) and ends with `expired` if the session
is ended or the account disabled.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from backend.alerts.access import ALERT_READERS
from backend.alerts.keys import BROADCASTER
from backend.alerts.store import list_alerts, summary
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.staff.roles import home_scope, require_role
from backend.staff.sessions import COOKIE_NAME, load_session
from backend.timeutil import utcnow

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_SECONDS = 60.0


def _event(name: str, data: Any) -> bytes:
    # json.dumps never emits a raw newline, so one data: line is always enough.
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _session_alive(request: web.Request) -> bool:
    token = request.cookies.get(COOKIE_NAME, "")
    idle = timedelta(minutes=request.app[SETTINGS].session_idle_minutes)
    async with request.app[SESSIONMAKER]() as session:
        loaded = await load_session(session, token, utcnow(), idle) if token else None
        await session.commit()
    return loaded is not None and loaded[1].role in ALERT_READERS


async def alert_stream(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_READERS)
    broadcaster = request.app[BROADCASTER]
    # Subscribe before reading the snapshot, so an alert committed in between is not missed.
    sub = broadcaster.subscribe()
    response: web.StreamResponse | None = None
    try:
        async with request.app[SESSIONMAKER]() as session:
            homes = await home_scope(session, user)
            open_alerts = await list_alerts(session, homes, open_only=True)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # a proxy must not hold events back
            }
        )
        await response.prepare(request)
        await response.write(b"retry: 2000\n\n")
        await response.write(_event("snapshot", [summary(a).model_dump(mode="json") for a in open_alerts]))
        loop = asyncio.get_running_loop()
        next_check = loop.time() + SESSION_CHECK_SECONDS
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_SECONDS):
                    item = await sub.queue.get()
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                item = False
            if item is None:
                break  # server shutting down (or we fell behind): the page reconnects
            if item and (homes is None or item["home"] in homes):
                await response.write(_event("alert", item))
            if loop.time() >= next_check:
                next_check = loop.time() + SESSION_CHECK_SECONDS
                if not await _session_alive(request):
                    await response.write(_event("expired", {"reason": "session ended"}))
                    break
        return response
    except (ConnectionResetError, ConnectionError):
        log.debug("alert stream client went away")
        return response if response is not None else web.Response(status=204)
    finally:
        broadcaster.unsubscribe(sub)
