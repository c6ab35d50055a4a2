"""The append-only audit log: who viewed or changed what, and when."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import StaffUser
from backend.staff.models import AuditEntry


async def audit(
    session: AsyncSession,
    actor: StaffUser | None,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: str | None = None,
    *,
    home_code: str | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction; it is stored when the caller commits.

    Commit it together with the change it records, so there is never a change
    without its entry. `actor` None means the system (e.g. the reminder job).
    `home_code` lets managers see the entries about their own homes.
    """
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_username=actor.username if actor else "system",
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail,
        home_code=home_code,
    )
    session.add(entry)
    await session.flush()
    return entry
