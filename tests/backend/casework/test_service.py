"""backend/casework/service.py against a real database: what one step changes, and two taps at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.casework.models import CaseEvent
from backend.casework.rules import WorkflowError
from backend.casework.service import case_by_reference, child_asks_next_stage
from backend.staff.models import AuditEntry
from backend.timeutil import utcnow
from tests.backend.api.casework_steps import CALENDAR, answer_stage1, case_and_events
from tests.backend.conftest import submit


async def two_taps_at_once(db: async_sessionmaker, reference: str) -> list[CaseEvent | BaseException]:
    """The child asks twice at the same instant: both requests have read the case before either records."""
    async with db() as first, db() as second:
        cases = [await case_by_reference(session, reference) for session in (first, second)]
        assert all(c is not None and c.state == "stage1_responded" for c in cases)
        now = utcnow()
        return await asyncio.gather(
            *(
                child_asks_next_stage(session, case, now, CALENDAR)
                for session, case in zip((first, second), cases, strict=True)
                if case is not None
            ),
            return_exceptions=True,
        )


async def assert_one_request_recorded(
    db: async_sessionmaker, reference: str, results: list[CaseEvent | BaseException]
) -> None:
    """One tap recorded Stage 2's request; the other was refused as already asked; one timeline line, one audit."""
    assert len([r for r in results if isinstance(r, CaseEvent)]) == 1
    (refused,) = [r for r in results if isinstance(r, BaseException)]
    assert isinstance(refused, WorkflowError)
    assert "already asked" in str(refused)
    case, events = await case_and_events(db, reference)
    assert case.state == "stage2_requested"
    assert [e.action for e in events].count("request_stage2") == 1
    async with db() as session:
        audited = await session.scalars(select(AuditEntry.action).where(AuditEntry.action == "request_stage2"))
        assert list(audited) == ["request_stage2"]


async def test_two_taps_at_once_record_one_request_and_refuse_the_other(
    client: TestClient,
    service_headers: dict[str, str],
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    await make_staff("officer", "complaints_officer")
    created = await submit(client, service_headers)
    await answer_stage1(db, created["reference"])

    results = await two_taps_at_once(db, created["reference"])

    await assert_one_request_recorded(db, created["reference"], results)
