"""Storing and reading submissions (database access only, no HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.anonymous_dates import day_only
from backend.casework.service import new_case
from backend.codes import new_hashed_access_code, new_reference
from backend.deadlines import WorkingCalendar
from backend.models import Submission
from backend.schemas import SubmissionCreate
from backend.timeutil import utcnow

_MAX_REFERENCE_TRIES = 5

T = TypeVar("T")


async def allocate_reference(session: AsyncSession, kind: str, build: Callable[[str], T], *, retry: bool = True) -> T:
    """Add what `build(reference)` adds to the session, under a new reference, and flush it; the caller commits.

    References are random, so one can collide with a stored one (the unique index refuses it):
    roll back and build again with another, a few times. `retry=False`: re-raise the IntegrityError
    after the rollback instead, for a caller whose rows can clash on something else too.
    """
    for _ in range(_MAX_REFERENCE_TRIES):
        built = build(new_reference(kind))
        try:
            await session.flush()
        except IntegrityError:
            await session.rollback()
            if not retry:
                raise
            continue
        return built
    raise RuntimeError("could not allocate a unique reference")


async def create_submission(
    session: AsyncSession, data: SubmissionCreate, calendar: WorkingCalendar | None = None
) -> tuple[Submission, str]:
    """Store a submission, start its case in the workflow, and return it with its one-time access code.

    A repeated idempotency key returns the existing record with a fresh code:
    the first answer never reached the child, so the old code was never seen.
    """
    code, code_hash = await new_hashed_access_code()
    if data.idempotency_key:
        existing = await session.scalar(select(Submission).where(Submission.idempotency_key == data.idempotency_key))
        if existing is not None:
            existing.access_code_hash = code_hash
            await session.commit()
            return existing, code

    def build(reference: str) -> Submission:
        record = Submission(
            reference=reference,
            kind=data.kind.value,
            what_happened=data.what_happened,
            desired_outcome=data.desired_outcome,
            about_whom=data.about_whom,
            anonymous=data.anonymous,
            # Anonymous means anonymous: no name and no link to the conversation.
            first_name=None if data.anonymous else data.first_name,
            conversation_id=None if data.anonymous else data.conversation_id,
            home_code=data.home,
            access_code_hash=code_hash,
            status="received",
            idempotency_key=data.idempotency_key,
            # Anonymous: the day only, never the time of day (backend/anonymous_dates.py).
            received_at=day_only(utcnow()) if data.anonymous else utcnow(),
        )
        session.add(record)
        # Same transaction: a submission never exists without its place in the workflow.
        case = new_case(record, calendar or WorkingCalendar())
        case.staff_conduct = data.staff_conduct and data.kind.value == "complaint"
        session.add(case)
        return record

    try:
        # With an idempotency key a clash may be a racing duplicate, not a reference: look again.
        record = await allocate_reference(session, data.kind.value, build, retry=not data.idempotency_key)
    except IntegrityError:
        return await create_submission(session, data, calendar)
    await session.commit()
    return record, code


async def list_submissions(session: AsyncSession, limit: int = 200) -> list[Submission]:
    result = await session.scalars(
        select(Submission).order_by(Submission.received_at.desc(), Submission.reference).limit(limit)
    )
    return list(result)


async def get_submission(session: AsyncSession, reference: str) -> Submission | None:
    return await session.scalar(select(Submission).where(Submission.reference == reference))
