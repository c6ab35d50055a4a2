"""Who may see and do what: the one place these rules are decided. Views call `require_role` first.

Roles:
- manager: their own homes' cases, feedback, alerts and concerns; acts on them.
- complaints_officer: every home; acts on cases, alerts and concerns; administers homes.
- safeguarding_lead: every alert and concern; of the cases, only those flagged as staff conduct
  (where they record the LADO decision).
- auditor: reads what the complaints officer reads, changes nothing.

Allegations against staff (alerts and concerns the detector filed as `staff_conduct`, anything
else from the same conversation, cases flagged as staff conduct) are seen only by the safeguarding
lead and the complaints officer: never the manager, who may be the person the child is talking
about, and not the auditor either (a standing read-only account has no compelling reason to read
an allegation about a named adult; the ICO Children's Code bar).
"""

from __future__ import annotations

from dataclasses import dataclass
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

# The detector's category for an allegation against staff (alerts and concerns).
STAFF_CONDUCT = "staff_conduct"
# Who is told about, and may read, allegations against staff.
STAFF_CONDUCT_READERS = (SAFEGUARDING_LEAD, COMPLAINTS_OFFICER)

# Who may open case pages (the safeguarding lead only sees staff-conduct cases).
CASE_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR, SAFEGUARDING_LEAD)
# Who may move a case through the workflow.
CASE_WORKERS = (MANAGER, COMPLAINTS_OFFICER)
FEEDBACK_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR)
AUDIT_READERS = (MANAGER, COMPLAINTS_OFFICER, AUDITOR)
HOME_ADMINS = (COMPLAINTS_OFFICER,)
# Safeguarding alerts and concerns: everyone reads (within their scope); the auditor never acts.
ALERT_READERS = (SAFEGUARDING_LEAD, MANAGER, COMPLAINTS_OFFICER, AUDITOR)
ALERT_WORKERS = (SAFEGUARDING_LEAD, MANAGER, COMPLAINTS_OFFICER)
CONCERN_READERS = (SAFEGUARDING_LEAD, COMPLAINTS_OFFICER, AUDITOR, MANAGER)
CONCERN_WORKERS = (SAFEGUARDING_LEAD, COMPLAINTS_OFFICER, MANAGER)
# Besides the person who joined, who may hand a child's conversation back to the bot.
HANDBACK_FOR_OTHERS = (SAFEGUARDING_LEAD, MANAGER)


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


def sees_staff_conduct(role: str) -> bool:
    return role in STAFF_CONDUCT_READERS


async def home_scope(session: AsyncSession, user: StaffUser) -> set[str] | None:
    """Home codes this user may see; None means every home."""
    if user.role != MANAGER:
        return None
    codes = await session.scalars(
        select(Home.code).join(HomeManager, HomeManager.home_id == Home.id).where(HomeManager.staff_user_id == user.id)
    )
    return set(codes)


@dataclass(frozen=True)
class Scope:
    """What one member of staff may see: which homes (None: all), and whether allegations against staff."""

    role: str
    homes: frozenset[str] | None
    staff_conduct: bool

    def allows_home(self, home_code: str) -> bool:
        return self.homes is None or home_code in self.homes


async def scope_for(session: AsyncSession, user: StaffUser) -> Scope:
    homes = await home_scope(session, user)
    return Scope(user.role, None if homes is None else frozenset(homes), sees_staff_conduct(user.role))


def may_see_case(user: StaffUser, homes: set[str] | None, home_code: str, staff_conduct: bool) -> bool:
    if user.role == SAFEGUARDING_LEAD:
        return staff_conduct
    if user.role not in CASE_READERS or (staff_conduct and not sees_staff_conduct(user.role)):
        return False
    return homes is None or home_code in homes


def may_see_safeguarding_item(scope: Scope, home_code: str, about_staff: bool) -> bool:
    """An alert or a concern. `about_staff`: filed as staff conduct, or from a conversation that has one."""
    if scope.role not in ALERT_READERS or (about_staff and not scope.staff_conduct):
        return False
    return scope.allows_home(home_code)


def may_read_handoff(user: StaffUser, handoff_by_id: int | None) -> bool:
    """The live conversation is read only by the person who joined it, and only while they are in it."""
    return handoff_by_id is not None and handoff_by_id == user.id and user.role in ALERT_WORKERS


def may_hand_back(user: StaffUser, handoff_by_id: int | None) -> bool:
    return user.role in ALERT_WORKERS and (handoff_by_id == user.id or user.role in HANDBACK_FOR_OTHERS)
