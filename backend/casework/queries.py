"""Finding cases: the staff case list filters and the reminder job's due/overdue lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import AdvocacyRequest, Case
from backend.casework.vocab import STAGES
from backend.models import Submission


@dataclass(frozen=True)
class CaseFilters:
    kind: str = ""
    stage: str = ""
    status: str = ""  # "open" | "closed" | ""
    home: str = ""
    overdue: bool = False
    due_this_week: bool = False
    staff_conduct_only: bool = False
    # For roles that may not see allegations against staff (backend/staff/roles.py).
    hide_staff_conduct: bool = False


@dataclass(frozen=True)
class CaseRow:
    case: Case
    advocacy_requests: int


def week_end(today: date) -> date:
    """The Sunday that ends this week."""
    return today + timedelta(days=6 - today.weekday())


def _filtered(filters: CaseFilters, homes: set[str] | None, today: date) -> Select[Case]:
    query = select(Case).join(Case.submission)
    if homes is not None:
        query = query.where(Submission.home_code.in_(homes))
    if filters.kind:
        query = query.where(Submission.kind == filters.kind)
    if filters.stage in STAGES:
        query = query.where(Case.state.in_(STAGES[filters.stage]))
    if filters.status == "open":
        query = query.where(Case.state != "closed")
    elif filters.status == "closed":
        query = query.where(Case.state == "closed")
    if filters.home:
        query = query.where(Submission.home_code == filters.home)
    if filters.overdue:
        query = query.where(Case.due_on < today)
    if filters.due_this_week:
        query = query.where(Case.due_on >= today, Case.due_on <= week_end(today))
    if filters.staff_conduct_only:
        query = query.where(Case.staff_conduct.is_(True))
    if filters.hide_staff_conduct:
        query = query.where(Case.staff_conduct.is_(False))
    return query


async def list_cases(
    session: AsyncSession, filters: CaseFilters, homes: set[str] | None, today: date, limit: int = 500
) -> list[CaseRow]:
    advocacy = (
        select(AdvocacyRequest.submission_id, func.count().label("n"))
        .where(AdvocacyRequest.submission_id.is_not(None))
        .group_by(AdvocacyRequest.submission_id)
        .subquery()
    )
    # Overdue first, then by deadline, then newest; closed cases last. Never by id: the order
    # records arrived in would place an anonymous one between two named ones, to the minute.
    query = (
        _filtered(filters, homes, today)
        .add_columns(func.coalesce(advocacy.c.n, 0))
        .outerjoin(advocacy, advocacy.c.submission_id == Case.submission_id)
        .order_by(
            (Case.state == "closed").asc(),
            Case.due_on.is_(None).asc(),
            Case.due_on.asc(),
            Submission.received_at.desc(),
            Submission.reference,
        )
        .limit(limit)
    )
    return [CaseRow(case, n) for case, n in (await session.execute(query)).all()]


async def due_cases(session: AsyncSession, homes: set[str] | None, until: date) -> list[Case]:
    """Open cases due on or before `until` (overdue included), soonest first."""
    query = select(Case).join(Case.submission).where(Case.due_on.is_not(None), Case.due_on <= until)
    if homes is not None:
        query = query.where(Submission.home_code.in_(homes))
    return list(await session.scalars(query.order_by(Case.due_on)))


async def advocacy_for(session: AsyncSession, submission_id: int) -> list[AdvocacyRequest]:
    return list(
        await session.scalars(
            select(AdvocacyRequest)
            .where(AdvocacyRequest.submission_id == submission_id)
            .order_by(AdvocacyRequest.created_at)
        )
    )
