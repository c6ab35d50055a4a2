"""Who may see and act on safeguarding concerns."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import Concern
from backend.concerns.scope import concern_scope
from backend.concerns.store import get_concern
from backend.models import StaffUser
from backend.staff.roles import AUDITOR, COMPLAINTS_OFFICER, MANAGER, SAFEGUARDING_LEAD

# Managers see their own homes' concerns, never one about staff conduct; the auditor reads but never acts.
CONCERN_READERS = (SAFEGUARDING_LEAD, COMPLAINTS_OFFICER, AUDITOR, MANAGER)
CONCERN_WORKERS = (SAFEGUARDING_LEAD, COMPLAINTS_OFFICER, MANAGER)


def may_act(user: StaffUser) -> bool:
    return user.role in CONCERN_WORKERS


async def visible_concern(request: web.Request, session: AsyncSession, user: StaffUser) -> Concern:
    """The concern in the URL if this user may see it; 404 otherwise (no hint that it exists)."""
    raw = request.match_info["concern_id"]
    concern = await get_concern(session, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    scope = await concern_scope(session, user)
    if concern is None or not scope.allows(concern):
        raise web.HTTPNotFound(reason="no concern with that number that you can see")
    return concern
