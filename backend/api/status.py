"""POST /api/v1/status: a child checks progress with a reference and access code.

Unknown reference and wrong code give the same answer, and wrong guesses are
limited per reference per hour (counted in the database), so references cannot
be enumerated and codes cannot be guessed.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER
from backend.auth import require_service
from backend.codes import access_code_matches, hash_access_code
from backend.deadlines import local_date
from backend.errors import problem
from backend.ratelimit import forget_failures, recent_failures, record_failure
from backend.schemas import StatusAnswer, StatusQuery
from backend.timeutil import utcnow
from backend.workflow.child_view import child_status
from backend.workflow.service import case_by_reference

MAX_WRONG_PER_HOUR = 5
SCOPE = "status"
# Compared against when the reference is unknown, so both answers take as long.
_DUMMY_CODE_HASH = hash_access_code("NOTACODE")


def _too_many() -> web.Response:
    return problem(
        429,
        "too many wrong tries",
        f"This reference has had {MAX_WRONG_PER_HOUR} wrong access codes in the last hour. Try again in an hour, "
        "or ask a member of staff or an advocate to help.",
    )


async def post_status(request: web.Request) -> web.Response:
    require_service(request)
    query = await read_body(request, StatusQuery)
    now = utcnow()
    async with request.app[SESSIONMAKER]() as session:
        if await recent_failures(session, SCOPE, query.reference, now) >= MAX_WRONG_PER_HOUR:
            return _too_many()
        # Counted before the slow hash check and taken back if right, so guesses sent in
        # parallel cannot all be checked before any of them is counted.
        attempt = await record_failure(session, SCOPE, query.reference, now)
        await session.commit()
        if await recent_failures(session, SCOPE, query.reference, now) > MAX_WRONG_PER_HOUR:
            await forget_failures(session, [attempt])  # never checked, so not a guess
            await session.commit()
            return _too_many()
        case = await case_by_reference(session, query.reference)
        code_hash = case.submission.access_code_hash if case else _DUMMY_CODE_HASH
        if case is None or not await asyncio.to_thread(access_code_matches, code_hash, query.access_code):
            return problem(404, "not found", "No match for that reference and access code.")
        await forget_failures(session, [attempt])
        await session.commit()
        words = child_status(case.submission.kind, case.state, case.due_on, case.outcome, local_date(now))
    answer = StatusAnswer(
        reference=case.submission.reference,
        kind=case.submission.kind,
        stage_for_child=words.stage_for_child,
        next_step_for_child=words.next_step_for_child,
        due_date=words.due_date,
    )
    return web.json_response(answer.model_dump(mode="json"))
