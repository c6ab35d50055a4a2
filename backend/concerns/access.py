"""Who may see and act on safeguarding concerns (the rules themselves are in backend/staff/roles.py)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import Concern
from backend.concerns.scope import concern_scope
from backend.concerns.store import get_concern
from backend.models import StaffUser
from backend.staff.roles import CONCERN_READERS, CONCERN_WORKERS

__all__ = ["CONCERN_READERS", "CONCERN_WORKERS", "may_act", "visible_concern"]


def may_act(user: StaffUser) -> bool:
    return user.role in CONCERN_WORKERS


async def visible_concern(request: web.Request, session: AsyncSession, user: StaffUser) -> Concern:
    """The concern in the URL if this user may see it; 404 otherwise (no hint that it exists)."""
    raw = request.match_info["concern_id"]
    concern = await get_concern(session, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    scope = await concern_scope(session, user)
    if concern is None or not await scope.allows(session, concern):
        raise web.HTTPNotFound(reason="no concern with that number that you can see")
    return concern
