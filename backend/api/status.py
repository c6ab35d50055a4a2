"""The child's own view of what they sent, by reference and access code (action server only).

POST /api/v1/status: where it is, what happens next, the outcome and the answer staff wrote for
the child. POST /api/v1/status/next-stage: "I'm not happy with the answer", which asks for
Stage 2 or 3 when the child may ask for it now.

Unknown reference and wrong code give the same answer, and wrong guesses are limited per
reference per hour (counted in the database, shared by both endpoints), so references cannot
be enumerated and codes cannot be guessed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.body import read_body
from backend.api.next_stage_pass import issue_pass, pass_stage
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service
from backend.casework.child_view import ChildStatus, child_status
from backend.casework.models import Case
from backend.casework.rules import WorkflowError
from backend.casework.service import case_by_reference, child_asks_next_stage, working_calendar
from backend.casework.steps import CHILD_NEXT_STAGE
from backend.codes import access_code_matches, hash_access_code
from backend.deadlines import local_date
from backend.errors import problem
from backend.ratelimit import forget_failures, recent_failures, record_failure, window_words
from backend.schemas import NextStageAnswer, NextStageQuery, NextStageRefused, StatusAnswer, StatusQuery
from backend.timeutil import utcnow

# Wrong access codes for one reference within ratelimit.WINDOW before it is refused for a while.
MAX_WRONG_CODES = 5
SCOPE = "status"
# Compared against when the reference is unknown, so both answers take as long.
_DUMMY_CODE_HASH = hash_access_code("NOTACODE")

# Whether the child's proof (a code, or a pass from the status check) fits this case (None: unknown).
Proof = Callable[[Case | None], Awaitable[bool]]


def _too_many() -> web.Response:
    last, span = window_words()
    return problem(
        429,
        "too many wrong tries",
        f"This reference has had {MAX_WRONG_CODES} wrong access codes in the last {last}. Try again in {span}, "
        "or ask a member of staff or an advocate to help.",
    )


def code_proof(access_code: str) -> Proof:
    async def proves(case: Case | None) -> bool:
        code_hash = case.submission.access_code_hash if case else _DUMMY_CODE_HASH
        # argon2 is slow on purpose: off the event loop. Checked for an unknown reference too (same time).
        matches = await asyncio.to_thread(access_code_matches, code_hash, access_code)
        return case is not None and matches

    return proves


async def checked_case(session: AsyncSession, reference: str, proves: Proof, now: datetime) -> Case | web.Response:
    """The case, when the proof fits it; else the 404 or 429 answer. A wrong proof counts as a wrong try."""
    if await recent_failures(session, SCOPE, reference, now) >= MAX_WRONG_CODES:
        return _too_many()
    # Counted before the slow check and taken back if right, so guesses sent in
    # parallel cannot all be checked before any of them is counted.
    attempt = await record_failure(session, SCOPE, reference, now)
    await session.commit()
    if await recent_failures(session, SCOPE, reference, now) > MAX_WRONG_CODES:
        await forget_failures(session, [attempt])  # never checked, so not a guess
        await session.commit()
        return _too_many()
    case = await case_by_reference(session, reference)
    fits = await proves(case)
    if case is None or not fits:
        return problem(404, "not found", "No match for that reference and access code.")
    await forget_failures(session, [attempt])
    await session.commit()
    return case


def why_not(case: Case) -> str:
    """Why the child cannot ask from the chat now (NextStageRefused.why)."""
    if case.submission.kind != "complaint":
        return "not_a_complaint"
    if case.state in CHILD_NEXT_STAGE:
        return "too_late"  # after the working days the child has to ask: staff may still accept it
    if case.state.startswith(("stage2", "stage3")) and case.state != "stage3_responded":
        return "already_asked"
    if case.state in ("stage3_responded", "closed"):
        return "finished"
    return "not_answered"


def _answer(case: Case, words: ChildStatus, secret: str, now: datetime) -> StatusAnswer:
    return StatusAnswer(
        reference=case.submission.reference,
        kind=case.submission.kind,
        stage_for_child=words.stage_for_child,
        next_step_for_child=words.next_step_for_child,
        due_date=words.due_date,
        outcome_for_child=words.outcome_for_child,
        response_for_child=words.response_for_child,
        next_stage=words.next_stage,
        next_stage_why_not=None if words.next_stage else why_not(case),
        next_stage_pass=issue_pass(secret, case.submission.reference, words.next_stage, now)
        if words.next_stage
        else None,
        anonymous=case.submission.anonymous,
    )


async def post_status(request: web.Request) -> web.Response:
    require_service(request)
    query = await read_body(request, StatusQuery)
    settings = request.app[SETTINGS]
    now = utcnow()
    async with request.app[SESSIONMAKER]() as session:
        found = await checked_case(session, query.reference, code_proof(query.access_code), now)
        if isinstance(found, web.Response):
            return found
        words = child_status(found, local_date(now), working_calendar(settings))
        answer = _answer(found, words, settings.service_token, now)
    return web.json_response(answer.model_dump(mode="json"))


def _pass_proof(stage: str | None) -> Proof:
    async def proves(case: Case | None) -> bool:
        return case is not None and stage is not None

    return proves


async def post_next_stage(request: web.Request) -> web.Response:
    require_service(request)
    query = await read_body(request, NextStageQuery)
    settings = request.app[SETTINGS]
    secret = settings.service_token
    now = utcnow()
    today = local_date(now)
    calendar = working_calendar(settings)
    # A pass names the stage it was issued for; a code allows whichever the child may ask for now.
    passed = pass_stage(secret, query.reference, query.next_stage_pass, now) if query.next_stage_pass else None
    proof = code_proof(query.access_code) if query.access_code is not None else _pass_proof(passed)
    async with request.app[SESSIONMAKER]() as session:
        found = await checked_case(session, query.reference, proof, now)
        if isinstance(found, web.Response):
            return found
        case = found
        words = child_status(case, today, calendar)
        stage = words.next_stage if passed in (None, words.next_stage) else None  # a pass used twice: no
        reason = "the child cannot ask for the next stage now"
        if stage is not None:
            try:
                await child_asks_next_stage(session, case, now, calendar)
            except WorkflowError as exc:
                stage, reason = None, str(exc)
        if stage is None:
            # Read again: a tap refused because another got there first must not offer the button again.
            status = _answer(case, child_status(case, today, calendar), secret, now)
            refused = NextStageRefused(error="not now", detail=reason, why=why_not(case), status=status)
            return web.json_response(refused.model_dump(mode="json"), status=409)
        after = _answer(case, child_status(case, today, calendar), secret, now)
    answer = NextStageAnswer(**after.model_dump(), asked_for=stage, first_name=case.submission.first_name)
    return web.json_response(answer.model_dump(mode="json"))
