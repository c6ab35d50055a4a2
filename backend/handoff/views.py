"""Staff side of the handoff: join the child's conversation, talk, hand back to the bot.

The bot is paused for that conversation only (Rasa's ConversationPaused); every
staff message is a "bot" event marked from_staff, which the child's page shows
as a message from a person, named by the staff member's display name (never
their username). The conversation itself is read only by the person who joined,
only while they are in it (`roles.may_read_handoff`); every read, and every
refused one, is audited.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web

from backend.alerts.access import ALERT_READERS, ALERT_WORKERS, visible_alert
from backend.alerts.keys import HTTP
from backend.alerts.models import Alert
from backend.alerts.store import acknowledge, live_handoff, record, set_handoff
from backend.alerts.views import publish, render_alert, when
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.errors import problem
from backend.handoff.rasa import ChatLine, RasaClient, RasaError, chat_lines
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.names import display_name
from backend.staff.roles import may_hand_back, may_read_handoff, require_role
from backend.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_MESSAGE = 1000


def rasa_client(request: web.Request) -> RasaClient:
    sg = request.app[SETTINGS].safeguarding
    return RasaClient(request.app[HTTP], sg.rasa_url, sg.rasa_token)


def _wants_json(request: web.Request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


async def join(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_WORKERS)
    name = display_name(user)
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        # Another alert from the same conversation may already have a person with the child.
        live = alert if alert.handoff_by_name else await live_handoff(session, alert.conversation_id)
        if live is not None and live.handoff_by_id != user.id:
            return await render_alert(
                request, user, error=f"{live.handoff_by_name} is already talking with the child.", status=409
            )
        if live is not None and live.id != alert.id:
            await acknowledge(session, alert, user, utcnow())  # same child, same person: this one is seen too
            publish(request, alert)
            raise web.HTTPSeeOther(f"/staff/alerts/{live.id}/handoff")
        if live is None:
            try:
                await rasa_client(request).join(alert.conversation_id, name)
            except RasaError as exc:
                log.warning("handoff join failed for alert %s: %s", alert.id, exc)
                return await render_alert(request, user, error=f"Could not join the conversation: {exc}.", status=502)
            await set_handoff(session, alert, user, utcnow(), active=True)
    publish(request, alert)
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}/handoff")


NOT_YOURS = "only the member of staff who joined this conversation can read it, and only while they are in it"


async def _readable_alert(request: web.Request, user: StaffUser, action: str) -> tuple[Alert | None, str | None]:
    """The alert whose live conversation this user may read, or the reason they may not; audited either way."""
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        allowed = may_read_handoff(user, alert.handoff_by_id)
        detail = None if allowed else ("refused: not live" if alert.handoff_by_name is None else "refused: not theirs")
        await audit(session, user, action, "alert", alert.id, detail, home_code=alert.home_code)
        await session.commit()
    return (alert, None) if allowed else (None, NOT_YOURS)


async def handoff_page(request: web.Request) -> web.Response:
    user = require_role(request, *ALERT_READERS)
    return await _render_handoff(request, user)


async def _render_handoff(
    request: web.Request, user: StaffUser, *, error: str | None = None, status: int = 200
) -> web.Response:
    alert, refused = await _readable_alert(request, user, "view_handoff")
    if alert is None:
        raise web.HTTPForbidden(reason=refused)
    lines: list[ChatLine] = []
    paused = False
    try:
        lines, paused = chat_lines(await rasa_client(request).tracker(alert.conversation_id))
    except RasaError as exc:
        error = error or f"Could not read the conversation: {exc}. The page keeps trying."
    response = aiohttp_jinja2.render_template(
        "alerts/handoff.html",
        request,
        {
            "alert": alert,
            "lines": lines,
            "paused": paused,
            "error": error,
            "mine": True,
            "may_act": True,
            "max_message": MAX_MESSAGE,
            "when": when,
        },
    )
    response.set_status(status)
    return response


async def handoff_messages(request: web.Request) -> web.Response:
    """JSON for the page's poll: the whole conversation as staff see it (each poll is a read, and audited)."""
    user = require_role(request, *ALERT_READERS)
    alert, refused = await _readable_alert(request, user, "read_handoff_messages")
    if alert is None:
        return problem(403, refused or NOT_YOURS)
    try:
        lines, paused = chat_lines(await rasa_client(request).tracker(alert.conversation_id))
    except RasaError as exc:
        return problem(502, str(exc))
    return web.json_response(
        {
            "paused": paused,
            "handoff_by": alert.handoff_by_name,
            "lines": [
                {
                    "speaker": line.speaker,
                    "text": line.text,
                    "time": line.time.isoformat() if line.time else None,
                    "staff_name": line.staff_name,
                }
                for line in lines
            ],
        }
    )


async def send(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_WORKERS)
    form = await request.post()
    text = form.get("text", "")
    text = text.strip() if isinstance(text, str) else ""
    name = display_name(user)
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        problem = None
        if alert.handoff_by_id != user.id:
            problem = "Join the conversation before sending a message."
        elif not text:
            problem = "Write a message first."
        elif len(text) > MAX_MESSAGE:
            problem = f"Keep messages under {MAX_MESSAGE} characters."
        if problem is None:
            try:
                await rasa_client(request).say(alert.conversation_id, name, text)
            except RasaError as exc:
                problem = f"The message was not sent: {exc}."
            else:
                await record(session, alert, "handoff_message", user, f"{len(text)} characters sent to the child")
                await session.commit()
    if _wants_json(request):
        return web.json_response({"ok": problem is None, "error": problem}, status=200 if problem is None else 400)
    if problem is not None and alert.handoff_by_id != user.id:
        return await render_alert(request, user, error=problem, status=400)  # not theirs to read
    if problem is not None:
        return await _render_handoff(request, user, error=problem, status=400)
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}/handoff")


async def leave(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_WORKERS)
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        if alert.handoff_by_name is None:
            raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}")
        if not may_hand_back(user, alert.handoff_by_id):
            return await render_alert(
                request, user, error=f"Only {alert.handoff_by_name} or a lead can hand this back.", status=403
            )
        try:
            await rasa_client(request).leave(alert.conversation_id, alert.handoff_by_name)
        except RasaError as exc:
            return await render_alert(
                request, user, error=f"Could not hand back to the bot: {exc}. The bot is still paused.", status=502
            )
        await set_handoff(session, alert, user, utcnow(), active=False)
    publish(request, alert)
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}")
