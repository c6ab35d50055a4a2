"""A concern's history line and its audit entry, always written together in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import STAFF_CONDUCT, Concern, ConcernEvent
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.names import staff_label


def audit_home(concern: Concern) -> str | None:
    """The home an audit entry is filed under; managers read their homes' entries, so none for staff conduct."""
    return None if concern.category == STAFF_CONDUCT else concern.home_code


async def record(
    session: AsyncSession,
    concern: Concern,
    kind: str,
    actor: StaffUser | None = None,
    detail: str | None = None,
    *,
    actor_name: str | None = None,
) -> None:
    """`actor_name` names an actor who is not a member of staff (the child)."""
    session.add(
        ConcernEvent(
            concern_id=concern.id,
            kind=kind,
            actor_id=actor.id if actor else None,
            actor_name=staff_label(actor) if actor else (actor_name or "system"),
            detail=detail,
        )
    )
    await audit(session, actor, f"concern.{kind}", "concern", concern.id, detail, home_code=audit_home(concern))
