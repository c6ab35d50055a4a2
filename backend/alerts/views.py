"""Staff pages for safeguarding alerts: the live list, one alert, acknowledge, close."""

from __future__ import annotations

from datetime import datetime

import aiohttp_jinja2
from aiohttp import web

from backend.alerts.access import ALERT_READERS, ALERT_WORKERS, may_act, visible_alert
from backend.alerts.keys import BROADCASTER
from backend.alerts.labels import SOURCE_LABELS, category_label
from backend.alerts.models import OPEN_STATES, Alert
from backend.alerts.routing import route
from backend.alerts.store import acknowledge, close, history, list_alerts, summary
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.concerns.queries import by_key
from backend.concerns.scope import concern_scope
from backend.deadlines import LONDON
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.conduct import is_about_staff
from backend.staff.names import display_name
from backend.staff.roles import may_hand_back, may_read_handoff, require_role, scope_for
from backend.timeutil import utcnow

MAX_NOTE = 2000


def when(value: datetime | None) -> str:
    """Alert times to the second, in UK time (the pages' `dt` filter stops at minutes)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M:%S}"


def publish(request: web.Request, alert: Alert) -> None:
    request.app[BROADCASTER].publish(summary(alert).model_dump(mode="json"))


async def alerts_page(request: web.Request) -> web.Response:
    user = require_role(request, *ALERT_READERS)
    async with request.app[SESSIONMAKER]() as session:
        scope = await scope_for(session, user)
        alerts = await list_alerts(session, scope)
        await audit(session, user, "view_alert_list", "alert_list", None)
        await session.commit()
    open_count = sum(1 for a in alerts if a.status in OPEN_STATES)
    return aiohttp_jinja2.render_template(
        "alerts/list.html",
        request,
        {
            "alerts": alerts,
            "open_count": open_count,
            "category_label": category_label,
            "when": when,
            "no_home_scope": scope.homes is not None and not scope.homes,
        },
    )


async def render_alert(
    request: web.Request, user: StaffUser, *, error: str | None = None, status: int = 200
) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        events = await history(session, alert.id)
        concern = await by_key(session, alert.concern_key) if alert.concern_key else None
        if concern is not None and not await (await concern_scope(session, user)).allows(session, concern):
            concern = None
        about_staff = await is_about_staff(session, alert.category, alert.conversation_id)
        ladder = (await route(session, request.app[SETTINGS].safeguarding, alert.home_code, about_staff)).ladder
        await audit(session, user, "view_alert", "alert", alert.id, home_code=alert.home_code)
        await session.commit()
    response = aiohttp_jinja2.render_template(
        "alerts/detail.html",
        request,
        {
            "alert": alert,
            "events": events,
            "is_open": alert.status in OPEN_STATES,
            "may_act": may_act(user),
            "category_label": category_label,
            "when": when,
            "source_label": SOURCE_LABELS.get(alert.source, alert.source),
            "ladder": [c.label for c in ladder],
            "reads_handoff": may_read_handoff(user, alert.handoff_by_id),
            "hands_back": may_hand_back(user, alert.handoff_by_id),
            "staff_display_name": display_name(user),
            "concern": concern,
            "error": error,
        },
    )
    response.set_status(status)
    return response


async def alert_page(request: web.Request) -> web.Response:
    user = require_role(request, *ALERT_READERS)
    return await render_alert(request, user)


async def acknowledge_alert(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_WORKERS)
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        changed = await acknowledge(session, alert, user, utcnow())
        if changed:
            await session.refresh(alert)
    if changed:
        publish(request, alert)
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}")


async def close_alert(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *ALERT_WORKERS)
    form = await request.post()
    note = form.get("note", "")
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        return await render_alert(request, user, error="Say what was done before closing the alert.", status=400)
    if len(note) > MAX_NOTE:
        return await render_alert(request, user, error="The note is too long (2000 characters at most).", status=400)
    async with request.app[SESSIONMAKER]() as session:
        alert = await visible_alert(request, session, user)
        if alert.handoff_by_name:
            return await render_alert(
                request, user, error="Hand the conversation back to the bot before closing the alert.", status=409
            )
        changed = await close(session, alert, user, utcnow(), note)
    if changed:
        publish(request, alert)
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}")
