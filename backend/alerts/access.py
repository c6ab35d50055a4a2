"""Who may see and act on safeguarding alerts."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.alerts.store import get_alert
from backend.models import StaffUser
from backend.staff.roles import AUDITOR, COMPLAINTS_OFFICER, MANAGER, SAFEGUARDING_LEAD, home_scope

# Managers see their own homes' alerts; the auditor reads but never acts.
ALERT_READERS = (SAFEGUARDING_LEAD, MANAGER, COMPLAINTS_OFFICER, AUDITOR)
ALERT_WORKERS = (SAFEGUARDING_LEAD, MANAGER, COMPLAINTS_OFFICER)


def may_act(user: StaffUser) -> bool:
    return user.role in ALERT_WORKERS


async def visible_alert(request: web.Request, session: AsyncSession, user: StaffUser) -> Alert:
    """The alert in the URL if this user may see it; 404 otherwise (no hint that it exists)."""
    raw = request.match_info["alert_id"]
    alert = await get_alert(session, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if alert is None:
        raise web.HTTPNotFound(reason="no alert with that number that you can see")
    homes = await home_scope(session, user)
    if homes is not None and alert.home_code not in homes:
        raise web.HTTPNotFound(reason="no alert with that number that you can see")
    return alert
