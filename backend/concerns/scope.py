"""Which concerns a member of staff may see, as a filter every query applies (lists, figures, reminders).

The rule itself is `backend.staff.roles` (home scope; allegations against staff only for the
safeguarding lead and the complaints officer); `backend.staff.conduct` turns it into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.concerns.models import Concern
from backend.models import StaffUser
from backend.staff.conduct import concern_about_staff, is_about_staff
from backend.staff.roles import home_scope, sees_staff_conduct


@dataclass(frozen=True)
class ConcernScope:
    # None: every home.
    homes: frozenset[str] | None = None
    # An allegation against staff (and the rest of its conversation) only for those who may read it.
    hide_staff_conduct: bool = False

    async def allows(self, session: AsyncSession, concern: Concern) -> bool:
        if self.homes is not None and concern.home_code not in self.homes:
            return False
        return not (
            self.hide_staff_conduct and await is_about_staff(session, concern.category, concern.conversation_id)
        )

    def condition(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.homes is not None:
            parts.append(Concern.home_code.in_(self.homes))
        if self.hide_staff_conduct:
            parts.append(not_(concern_about_staff()))
        return and_(true(), *parts)


EVERYTHING = ConcernScope()


async def concern_scope(session: AsyncSession, user: StaffUser) -> ConcernScope:
    homes = await home_scope(session, user)
    return ConcernScope(
        homes=None if homes is None else frozenset(homes),
        hide_staff_conduct=not sees_staff_conduct(user.role),
    )
