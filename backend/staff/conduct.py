"""Allegations against staff as database filters, so lists, counts and the audit log apply `roles.py`'s rule.

An alert or concern is "about staff" when the detector filed it as staff conduct, or when
another alert or concern from the same conversation was: the rest of that conversation holds
the allegation too (and "Join the conversation" would show it).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, CompoundSelect, String, and_, cast, not_, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import Alert
from backend.casework.models import Case
from backend.concerns.models import Concern
from backend.models import Submission
from backend.staff.models import AuditEntry
from backend.staff.roles import STAFF_CONDUCT, Scope


def staff_conduct_conversations() -> CompoundSelect[str]:
    """Conversation ids with at least one alert or concern filed as staff conduct."""
    return union(
        select(Alert.conversation_id).where(Alert.category == STAFF_CONDUCT),
        select(Concern.conversation_id).where(Concern.category == STAFF_CONDUCT),
    )


def alert_about_staff() -> ColumnElement[bool]:
    return or_(Alert.category == STAFF_CONDUCT, Alert.conversation_id.in_(staff_conduct_conversations()))


def concern_about_staff() -> ColumnElement[bool]:
    return or_(Concern.category == STAFF_CONDUCT, Concern.conversation_id.in_(staff_conduct_conversations()))


async def conversation_about_staff(session: AsyncSession, conversation_id: str) -> bool:
    found = await session.scalar(
        select(true()).where(
            or_(
                select(Alert.id)
                .where(Alert.conversation_id == conversation_id, Alert.category == STAFF_CONDUCT)
                .exists(),
                select(Concern.id)
                .where(Concern.conversation_id == conversation_id, Concern.category == STAFF_CONDUCT)
                .exists(),
            )
        )
    )
    return bool(found)


async def is_about_staff(session: AsyncSession, category: str | None, conversation_id: str) -> bool:
    """One alert or concern: filed as staff conduct, or from a conversation that has one that is."""
    return category == STAFF_CONDUCT or await conversation_about_staff(session, conversation_id)


async def staff_conduct_submissions(session: AsyncSession) -> set[int]:
    """Ids of submissions whose case is flagged as staff conduct (for the staff API's lists)."""
    return set(await session.scalars(select(Case.submission_id).where(Case.staff_conduct.is_(True))))


def alert_condition(scope: Scope) -> ColumnElement[bool]:
    """The alerts this scope may see (the SQL form of `roles.may_see_safeguarding_item`)."""
    parts: list[ColumnElement[bool]] = []
    if scope.homes is not None:
        parts.append(Alert.home_code.in_(scope.homes))
    if not scope.staff_conduct:
        parts.append(not_(alert_about_staff()))
    return and_(true(), *parts)


def concern_condition(scope: Scope) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.homes is not None:
        parts.append(Concern.home_code.in_(scope.homes))
    if not scope.staff_conduct:
        parts.append(not_(concern_about_staff()))
    return and_(true(), *parts)


def audit_condition(scope: Scope) -> ColumnElement[bool]:
    """Audit entries about a staff-conduct alert, concern or case are left out for a scope without them."""
    if scope.staff_conduct:
        return true()
    hidden_alerts = select(cast(Alert.id, String)).where(alert_about_staff())
    hidden_concerns = select(cast(Concern.id, String)).where(concern_about_staff())
    hidden_cases = (
        select(Submission.reference).join(Case, Case.submission_id == Submission.id).where(Case.staff_conduct.is_(True))
    )
    hidden = or_(
        and_(AuditEntry.target_type == "alert", AuditEntry.target_id.in_(hidden_alerts)),
        and_(AuditEntry.target_type == "concern", AuditEntry.target_id.in_(hidden_concerns)),
        and_(AuditEntry.target_type == "case", AuditEntry.target_id.in_(hidden_cases)),
    )
    # `IN` on a NULL target is NULL, which NOT would also drop: entries without a target stay.
    return or_(AuditEntry.target_id.is_(None), not_(hidden))
