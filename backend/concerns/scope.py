"""Which concerns a member of staff may see, as a filter every query applies (lists, figures, reminders)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import STAFF_CONDUCT, Concern
from backend.models import StaffUser
from backend.staff.roles import MANAGER, home_scope


@dataclass(frozen=True)
class ConcernScope:
    # None: every home.
    homes: frozenset[str] | None = None
    # An allegation against staff never goes to the home's manager role.
    hide_staff_conduct: bool = False

    def allows(self, concern: Concern) -> bool:
        if self.hide_staff_conduct and concern.category == STAFF_CONDUCT:
            return False
        return self.homes is None or concern.home_code in self.homes

    def condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.homes is not None:
            parts.append(Concern.home_code.in_(self.homes))
        if self.hide_staff_conduct:
            parts.append(or_(Concern.category.is_(None), Concern.category != STAFF_CONDUCT))
        return and_(*parts) if parts else true()


EVERYTHING = ConcernScope()


async def concern_scope(session: AsyncSession, user: StaffUser) -> ConcernScope:
    homes = await home_scope(session, user)
    return ConcernScope(
        homes=None if homes is None else frozenset(homes),
        hide_staff_conduct=user.role == MANAGER,
    )
