"""Who may do what. Views call `require_role(request, *roles)` first."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StaffUser
from backend.staff.keys import STAFF_USER
from backend.staff.models import Home, HomeManager

MANAGER = "manager"
COMPLAINTS_OFFICER = "complaints_officer"
SAFEGUARDING_LEAD = "safeguarding_lead"
AUDITOR = "auditor"

ROLE_LABELS = {
    MANAGER: "Registered Manager",
    COMPLAINTS_OFFICER: "Complaints officer",
    SAFEGUARDING_LEAD: "Safeguarding lead",
    AUDITOR: "Auditor (read-only)",
}

# Who may open case pages (the safeguarding lead only sees staff-conduct cases).
CASE_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR, SAFEGUARDING_LEAD)
# Who may move a case through the workflow.
CASE_WORKERS = (MANAGER, COMPLAINTS_OFFICER)
FEEDBACK_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR)
AUDIT_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR)
HOME_ADMINS = (COMPLAINTS_OFFICER,)


def require_role(request: web.Request, *roles: str) -> StaffUser:
    """The logged-in staff member; redirect to the login page if none, 403 if their role is not in `roles`.

    With no roles given, any logged-in staff member passes.
    """
    user: StaffUser | None = request.get(STAFF_USER)
    if user is None:
        raise web.HTTPSeeOther(f"/staff/login?next={quote(request.path_qs, safe='')}")
    if roles and user.role not in roles:
        raise web.HTTPForbidden(reason="your role does not give access to this page or action")
    return user


async def home_scope(session: AsyncSession, user: StaffUser) -> set[str] | None:
    """Home codes this user may see; None means every home."""
    if user.role != MANAGER:
        return None
    codes = await session.scalars(
        select(Home.code).join(HomeManager, HomeManager.home_id == Home.id).where(HomeManager.staff_user_id == user.id)
    )
    return set(codes)


def may_see_case(user: StaffUser, homes: set[str] | None, home_code: str, staff_conduct: bool) -> bool:
    if user.role == SAFEGUARDING_LEAD:
        return staff_conduct
    return user.role in CASE_READERS and (homes is None or home_code in homes)
