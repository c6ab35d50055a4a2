"""Storing and reading submissions (database access only, no HTTP)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.codes import hash_access_code, new_access_code, new_reference
from backend.models import Submission
from backend.schemas import SubmissionCreate

_MAX_REFERENCE_TRIES = 5


async def create_submission(session: AsyncSession, data: SubmissionCreate) -> tuple[Submission, str]:
    """Store a submission and return it with its one-time plaintext access code.

    A repeated idempotency key returns the existing record with a fresh code:
    the first answer never reached the child, so the old code was never seen.
    """
    code = new_access_code()
    if data.idempotency_key:
        existing = await session.scalar(
            select(Submission).where(Submission.idempotency_key == data.idempotency_key)
        )
        if existing is not None:
            existing.access_code_hash = hash_access_code(code)
            await session.commit()
            return existing, code

    for _ in range(_MAX_REFERENCE_TRIES):
        record = Submission(
            reference=new_reference(data.kind.value),
            kind=data.kind.value,
            what_happened=data.what_happened,
            desired_outcome=data.desired_outcome,
            about_whom=data.about_whom,
            anonymous=data.anonymous,
            # Anonymous means anonymous: no name and no link to the conversation.
            first_name=None if data.anonymous else data.first_name,
            conversation_id=None if data.anonymous else data.conversation_id,
            home_code=data.home,
            access_code_hash=hash_access_code(code),
            status="received",
            idempotency_key=data.idempotency_key,
        )
        session.add(record)
        try:
            await session.commit()
        except IntegrityError:
            # A reference collision (or a racing duplicate key): try again.
            await session.rollback()
            if data.idempotency_key:
                return await create_submission(session, data)
            continue
        return record, code
    raise RuntimeError("could not allocate a unique reference")


async def list_submissions(session: AsyncSession, limit: int = 200) -> list[Submission]:
    result = await session.scalars(select(Submission).order_by(Submission.received_at.desc()).limit(limit))
    return list(result)


async def get_submission(session: AsyncSession, reference: str) -> Submission | None:
    return await session.scalar(select(Submission).where(Submission.reference == reference))
