"""GET /staff/alerts/stream: server-sent events for the live alerts page.

On connect: the open alerts this person may see (`snapshot`); then every new or
changed one (`alert`) the moment it is committed. Before each event, and every
SESSION_CHECK_SECONDS while quiet, the session is loaded again (which keeps it from
going idle: the duty monitor must not silently log itself out, but the absolute
lifetime still ends it) and the account's role and homes are read again. The stream
ends with `expired` when the session has ended, the account is disabled or its role
or homes have changed (the page then asks the person to log in or reload).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Literal

from aiohttp import web

from backend.alerts.access import ALERT_READERS
from backend.alerts.keys import BROADCASTER
from backend.alerts.store import list_alerts, summary
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.staff.conduct import is_about_staff
from backend.staff.roles import Scope, may_see_safeguarding_item, require_role, scope_for
from backend.staff.sessions import COOKIE_NAME, load_session, session_limits
from backend.timeutil import utcnow

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0


def _event(name: str, data: Any) -> bytes:
    # json.dumps never emits a raw newline, so one data: line is always enough.
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class Watch:
    """The stream's view of who is watching, re-read from the database on every check."""

    def __init__(self, request: web.Request, scope: Scope) -> None:
        self._request = request
        self._token = request.cookies.get(COOKIE_NAME, "")
        self.scope = scope

    async def still_valid(self) -> str | None:
        """None while the session, role and homes are as at connect; else the reason the stream ends."""
        app = self._request.app
        async with app[SESSIONMAKER]() as session:
            loaded = await load_session(session, self._token, utcnow(), session_limits(app[SETTINGS]))
            scope = await scope_for(session, loaded[1]) if loaded is not None else None
            await session.commit()
        if loaded is None:
            return "session ended"
        if scope is None or scope.role not in ALERT_READERS or scope != self.scope:
            return "your role or homes changed"
        return None

    async def may_see(self, item: dict[str, Any]) -> bool:
        """One published alert summary, by the same rule as the pages (roles.may_see_safeguarding_item)."""
        if not self.scope.allows_home(item.get("home", "")):
            return False
        about_staff = False
        if not self.scope.staff_conduct:
            async with self._request.app[SESSIONMAKER]() as session:
                about_staff = await is_about_staff(session, item.get("category"), item.get("conversation_id", ""))
        return may_see_safeguarding_item(self.scope, item.get("home", ""), about_staff)


async def alert_stream(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_READERS)
    broadcaster = request.app[BROADCASTER]
    # Subscribe before reading the snapshot, so an alert committed in between is not missed.
    sub = broadcaster.subscribe()
    response: web.StreamResponse | None = None
    try:
        async with request.app[SESSIONMAKER]() as session:
            scope = await scope_for(session, user)
            open_alerts = await list_alerts(session, scope, open_only=True)
        watch = Watch(request, scope)
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
                    # False: no event, only the keepalive below (and perhaps the session check).
                    item: dict[str, Any] | Literal[False] | None = await sub.queue.get()
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                item = False
            if item is None:
                break  # server shutting down (or we fell behind): the page reconnects
            # Every event is checked against the session as it is now, not as it was at connect.
            if item or loop.time() >= next_check:
                next_check = loop.time() + SESSION_CHECK_SECONDS
                reason = await watch.still_valid()
                if reason is not None:
                    await response.write(_event("expired", {"reason": reason}))
                    break
            if item and await watch.may_see(item):
                await response.write(_event("alert", item))
        return response
    except (ConnectionResetError, ConnectionError):
        log.debug("alert stream client went away")
        return response if response is not None else web.Response(status=204)
    finally:
        broadcaster.unsubscribe(sub)
