"""Who may see and act on safeguarding alerts (the rules themselves are in backend/staff/roles.py)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.store import get_alert
from backend.models import StaffUser
from backend.staff.conduct import is_about_staff
from backend.staff.roles import (
    ALERT_READERS,
    ALERT_WORKERS,
    Scope,
    may_see_safeguarding_item,
    scope_for,
)

__all__ = ["ALERT_READERS", "ALERT_WORKERS", "may_act", "may_see_alert", "visible_alert"]


def may_act(user: StaffUser) -> bool:
    return user.role in ALERT_WORKERS


async def may_see_alert(session: AsyncSession, scope: Scope, alert: Alert) -> bool:
    # Only worth a query for someone who may not see allegations against staff.
    about_staff = not scope.staff_conduct and await is_about_staff(session, alert.category, alert.conversation_id)
    return may_see_safeguarding_item(scope, alert.home_code, about_staff)


async def visible_alert(request: web.Request, session: AsyncSession, user: StaffUser) -> Alert:
    """The alert in the URL if this user may see it; 404 otherwise (no hint that it exists)."""
    raw = request.match_info["alert_id"]
    alert = await get_alert(session, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if alert is None or not await may_see_alert(session, await scope_for(session, user), alert):
        raise web.HTTPNotFound(reason="no alert with that number that you can see")
    return alert
