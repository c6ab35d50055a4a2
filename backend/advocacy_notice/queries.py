"""Advocacy requests whose provider was not told (failed, or nowhere to send): for the daily reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.advocacy_notice.outbox import UNDELIVERED
from backend.casework.models import AdvocacyRequest, Case
from backend.models import Submission


@dataclass(frozen=True)
class Undelivered:
    request: AdvocacyRequest
    # The linked complaint, if any; staff_conduct hides it from roles that may not see such cases.
    reference: str | None
    staff_conduct: bool


async def undelivered_since(session: AsyncSession, homes: set[str] | None, since: datetime) -> list[Undelivered]:
    """Requests made since `since` in these homes (None: all) that nobody has told the provider about."""
    query = (
        select(AdvocacyRequest, Submission.reference, Case.staff_conduct)
        .outerjoin(Submission, Submission.id == AdvocacyRequest.submission_id)
        .outerjoin(Case, Case.submission_id == AdvocacyRequest.submission_id)
        .where(AdvocacyRequest.provider_notice.in_(UNDELIVERED), AdvocacyRequest.created_at >= since)
        # Never by id: that would place an anonymous request among named ones to the minute.
        .order_by(AdvocacyRequest.created_at, AdvocacyRequest.home_code)
    )
    if homes is not None:
        query = query.where(AdvocacyRequest.home_code.in_(homes))
    return [Undelivered(r, ref, bool(conduct)) for r, ref, conduct in (await session.execute(query)).all()]
