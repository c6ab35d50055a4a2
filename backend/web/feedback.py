"""The Feedback Log: compliments and comments, who they were shared with, how, and what changed."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from backend.appkeys import SESSIONMAKER
from backend.casework.queries import CaseFilters, list_cases
from backend.deadlines import local_date
from backend.staff.audit import audit
from backend.staff.roles import FEEDBACK_READERS, home_scope, require_role, sees_staff_conduct
from backend.timeutil import utcnow
from backend.web.cases import home_names


async def feedback_log(request: web.Request) -> web.Response:
    user = require_role(request, *FEEDBACK_READERS)
    kind = request.query.get("kind", "")
    kinds = [kind] if kind in {"compliment", "comment"} else ["compliment", "comment"]
    today = local_date(utcnow())
    async with request.app[SESSIONMAKER]() as session:
        homes = await home_scope(session, user)
        rows = []
        for k in kinds:
            filters = CaseFilters(kind=k, status="all", hide_staff_conduct=not sees_staff_conduct(user.role))
            rows += await list_cases(session, filters, homes, today)
        await audit(session, user, "view_feedback_log", "feedback_log", None, request.query_string or None)
        await session.commit()
    rows.sort(key=lambda r: r.case.submission.received_at, reverse=True)
    context = {"rows": rows, "kind": kind, "home_names": await home_names(request)}
    return aiohttp_jinja2.render_template("feedback.html", request, context)
