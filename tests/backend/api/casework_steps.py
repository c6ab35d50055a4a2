"""Staff steps for the API tests, through the real casework service on the same SQLite file.

Also a command for the action tests, which run in Rasa's virtualenv and cannot import the
backend: `.venv/backend/bin/python -m tests.backend.api.casework_steps DATABASE_URL REFERENCE
stage1|stage2` answers that stage as the staff account "officer" (made if missing).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.auth import hash_password
from backend.casework.models import Case, CaseEvent
from backend.casework.rules import StepInput
from backend.casework.service import case_by_reference, perform
from backend.db import make_engine, make_sessionmaker
from backend.deadlines import WorkingCalendar, local_date
from backend.models import StaffUser
from backend.timeutil import utcnow

CALENDAR = WorkingCalendar()
STAGE1_ANSWER = {
    "text_sent": "Dear Sam, I have looked into your complaint about your phone...",
    "child_response": "We should have asked you first. Your phone is back in your room.",
    "outcome": "partially_upheld",
    "remedies": ["apology"],
    "learning": "Staff ask before taking a phone.",
}
STAGE2_ANSWER = {
    **STAGE1_ANSWER,
    "child_response": "Someone from outside looked again. They agree with the manager.",
    "outcome": "not_upheld",
    "learning": "",
}


async def step(db: async_sessionmaker, reference: str, action: str, on: date | None = None, **fields: Any) -> None:
    """One step, done by the staff account "officer" (make_staff it first)."""
    async with db() as session:
        case = await case_by_reference(session, reference)
        assert case is not None
        actor = await session.scalar(select(StaffUser).where(StaffUser.username == "officer"))
        data = StepInput(on=on or local_date(utcnow()), **fields)
        await perform(session, case, action, data, actor, CALENDAR, utcnow())


async def answer_stage1(db: async_sessionmaker, reference: str, on: date | None = None) -> None:
    await step(db, reference, "acknowledge", on, text_sent="Thank you, I am looking into it.")
    await step(db, reference, "respond_stage1", on, **STAGE1_ANSWER)


async def answer_stage2(db: async_sessionmaker, reference: str) -> None:
    await step(
        db,
        reference,
        "agree_statement",
        text_sent="You are unhappy that staff took your phone without asking.",
        investigating_officer="Jo Investigator",
        independent_person="Pat Independent",
        advocate_offered=True,
    )
    await step(db, reference, "respond_stage2", **STAGE2_ANSWER)


async def received_days_ago(db: async_sessionmaker, reference: str, working_days: int) -> date:
    """Move a new case's arrival back in time (for a response long ago); returns the new day."""
    today = local_date(utcnow())
    day = today - timedelta(days=working_days * 2)
    while CALENDAR.working_days_between(day, today) > working_days:
        day += timedelta(days=1)
    async with db() as session:
        case = await case_by_reference(session, reference)
        assert case is not None
        case.received_on = case.step_anchor_on = day
        await session.commit()
    return day


async def case_and_events(db: async_sessionmaker, reference: str) -> tuple[Case, list[CaseEvent]]:
    async with db() as session:
        case = await case_by_reference(session, reference)
        assert case is not None
        events = list(await session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)))
        return case, events


async def _answer_from_the_command_line(database_url: str, reference: str, stage: str) -> None:
    engine = make_engine(database_url)
    db = make_sessionmaker(engine)
    async with db() as session:
        if await session.scalar(select(StaffUser).where(StaffUser.username == "officer")) is None:
            session.add(StaffUser(username="officer", role="complaints_officer", password_hash=hash_password("x" * 12)))
            await session.commit()
    await (answer_stage1 if stage == "stage1" else answer_stage2)(db, reference)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_answer_from_the_command_line(*sys.argv[1:4]))
