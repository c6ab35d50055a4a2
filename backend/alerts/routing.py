"""Who is told about an alert or concern: allegations against staff never reach the manager role.

For an alert or concern about staff (see backend/staff/conduct.py) the general notify list and
webhook are not used: they may be a shared inbox or channel the home's manager reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.settings import Contact, SafeguardingSettings
from backend.models import StaffUser
from backend.staff.roles import STAFF_CONDUCT_READERS


@dataclass(frozen=True)
class Route:
    emails: tuple[str, ...]
    webhooks: tuple[str, ...]
    ladder: tuple[Contact, ...]


def _unique(addresses: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return tuple(seen.values())


async def staff_conduct_emails(session: AsyncSession, settings: SafeguardingSettings) -> tuple[str, ...]:
    """Every active safeguarding lead and complaints officer with an email, then ALERT_STAFF_CONDUCT_EMAILS."""
    readers = await session.scalars(
        select(StaffUser.email)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(STAFF_CONDUCT_READERS), StaffUser.email.is_not(None))
        .order_by(StaffUser.id)
    )
    return _unique([e for e in readers if e and e.strip()] + list(settings.staff_conduct_emails))


async def barred_emails(session: AsyncSession) -> set[str]:
    """Addresses of accounts that may not read allegations against staff (lower case)."""
    rows = await session.scalars(
        select(func.lower(StaffUser.email)).where(
            StaffUser.role.not_in(STAFF_CONDUCT_READERS), StaffUser.email.is_not(None)
        )
    )
    return {e.strip() for e in rows if e}


async def staff_conduct_ladder(session: AsyncSession, settings: SafeguardingSettings, home: str) -> tuple[Contact, ...]:
    """The configured staff-conduct list, else the home's list without any barred account's address."""
    if settings.staff_conduct_escalation:
        return settings.staff_conduct_escalation
    barred = await barred_emails(session)
    return tuple(c for c in settings.escalation_for(home) if not (c.email and c.email.strip().lower() in barred))


async def route(session: AsyncSession, settings: SafeguardingSettings, home: str, about_staff: bool) -> Route:
    if not about_staff:
        return Route(
            emails=settings.notify_emails,
            webhooks=(settings.webhook_url,) if settings.webhook_url else (),
            ladder=settings.escalation_for(home),
        )
    return Route(
        emails=await staff_conduct_emails(session, settings),
        webhooks=(settings.staff_conduct_webhook_url,) if settings.staff_conduct_webhook_url else (),
        ladder=await staff_conduct_ladder(session, settings, home),
    )
