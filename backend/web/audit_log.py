"""The audit log page (read-only, like the log itself)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import or_, select

from backend.appkeys import SESSIONMAKER
from backend.staff.audit import audit
from backend.staff.conduct import audit_condition
from backend.staff.models import AuditEntry
from backend.staff.roles import AUDIT_READERS, home_scope, require_role, scope_for

PAGE_SIZE = 200


async def audit_page(request: web.Request) -> web.Response:
    user = require_role(request, *AUDIT_READERS)
    target = request.query.get("target", "").strip()[:64]
    async with request.app[SESSIONMAKER]() as session:
        homes = await home_scope(session, user)
        # Entries about allegations against staff only for those who may read them (roles.py).
        query = select(AuditEntry).where(audit_condition(await scope_for(session, user)))
        query = query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE)
        if homes is not None:
            # A manager sees what happened to their homes' records, and their own actions.
            query = query.where(or_(AuditEntry.home_code.in_(homes), AuditEntry.actor_id == user.id))
        if target:
            query = query.where(AuditEntry.target_id == target.upper())
        entries = list(await session.scalars(query))
        await audit(session, user, "view_audit_log", "audit_log", None, request.query_string or None)
        await session.commit()
    return aiohttp_jinja2.render_template("audit.html", request, {"entries": entries, "target": target})
