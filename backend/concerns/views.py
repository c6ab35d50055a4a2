"""Staff pages for safeguarding concerns: the review queue with its figures, one concern, close, turn into an alert."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from backend.alerts.announce import announce
from backend.alerts.labels import category_label
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.concerns.access import CONCERN_READERS, CONCERN_WORKERS, may_act, visible_concern
from backend.concerns.display import SOURCE_LABELS, STATUS_LABELS, due_state, turn_time
from backend.concerns.escalate import turn_into_alert
from backend.concerns.figures import panel
from backend.concerns.history import audit_home
from backend.concerns.models import OPEN_STATES, Concern
from backend.concerns.queries import done, open_queue
from backend.concerns.scope import concern_scope
from backend.concerns.store import close, history, mark_read
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.roles import require_role
from backend.timeutil import utcnow

MAX_NOTE = 2000


async def concerns_page(request: web.Request) -> web.Response:
    user = require_role(request, *CONCERN_READERS)
    show_all = request.query.get("show") == "all"
    now = utcnow()
    async with request.app[SESSIONMAKER]() as session:
        scope = await concern_scope(session, user)
        waiting = await open_queue(session, scope)
        finished = await done(session, scope) if show_all else []
        figures = await panel(session, scope, now)
        await audit(session, user, "view_concern_list", "concern_list", None, request.query_string or None)
        await session.commit()
    return aiohttp_jinja2.render_template(
        "concerns/list.html",
        request,
        {
            "waiting": waiting,
            "finished": finished,
            "show_all": show_all,
            "figures": figures,
            "year_label": year_label,
            "due": lambda c: due_state(c, now),
            "category_label": category_label,
            "status_label": STATUS_LABELS.get,
            "no_home_scope": scope.homes is not None and not scope.homes,
        },
    )


def year_label(start_year: int) -> str:
    """The reporting year as the annual report names it: 2026-27."""
    return f"{start_year}-{str(start_year + 1)[2:]}"


async def render_concern(
    request: web.Request, user: StaffUser, *, error: str | None = None, status: int = 200
) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        concern = await visible_concern(request, session, user)
        events = await history(session, concern.id)
        await audit(session, user, "view_concern", "concern", concern.id, home_code=audit_home(concern))
        await session.commit()
    response = aiohttp_jinja2.render_template(
        "concerns/detail.html",
        request,
        {
            "concern": concern,
            "events": events,
            "is_open": concern.status in OPEN_STATES,
            "may_act": may_act(user),
            "due": due_state(concern, utcnow()),
            "category_label": category_label,
            "status_label": STATUS_LABELS.get(concern.status, concern.status),
            "source_label": SOURCE_LABELS.get(concern.source, concern.source),
            "turn_time": turn_time,
            "error": error,
        },
    )
    response.set_status(status)
    return response


async def concern_page(request: web.Request) -> web.Response:
    user = require_role(request, *CONCERN_READERS)
    if may_act(user):
        # Opened by someone who can act on it: it has been read (the auditor's view does not count).
        async with request.app[SESSIONMAKER]() as session:
            concern = await visible_concern(request, session, user)
            if concern.read_at is None:
                await mark_read(session, concern, user, utcnow())
    return await render_concern(request, user)


async def close_concern(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *CONCERN_WORKERS)
    form = await request.post()
    note = form.get("note", "")
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        return await render_concern(request, user, error="Say what was done before closing the concern.", status=400)
    if len(note) > MAX_NOTE:
        return await render_concern(
            request, user, error=f"The note is too long ({MAX_NOTE} characters at most).", status=400
        )
    async with request.app[SESSIONMAKER]() as session:
        concern = await visible_concern(request, session, user)
        closed = await close(session, concern, user, utcnow(), note)
    if not closed:
        return await render_concern(request, user, error=_not_open(concern), status=409)
    raise web.HTTPSeeOther(f"/staff/concerns/{concern.id}")


async def concern_to_alert(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *CONCERN_WORKERS)
    settings = request.app[SETTINGS]
    async with request.app[SESSIONMAKER]() as session:
        concern = await visible_concern(request, session, user)
        already = concern.alert_id is not None
        if not already:
            alert, created, notification_ids = await turn_into_alert(
                session, concern, user, settings.safeguarding, utcnow()
            )
    if already:
        return await render_concern(request, user, error=_not_open(concern), status=409)
    if created:
        # Committed: the live alert pages and the notifiers, as for a new alert from the action server.
        announce(request.app, alert, notification_ids, f" from concern {concern.id}, by staff")
    raise web.HTTPSeeOther(f"/staff/alerts/{alert.id}")


def _not_open(concern: Concern) -> str:
    if concern.alert_id is not None:
        return f"This concern has already been turned into alert #{concern.alert_id}."
    return "This concern is already closed."
