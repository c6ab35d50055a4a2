"""Submission endpoints: created by the action server, read by staff."""

from __future__ import annotations

from aiohttp import web

from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service, require_staff
from backend.casework.child_view import receipt_next_steps
from backend.casework.service import working_calendar
from backend.deadlines import local_date
from backend.errors import problem
from backend.models import StaffUser
from backend.schemas import SubmissionCreate, SubmissionList, SubmissionOut, SubmissionReceipt
from backend.staff.audit import audit
from backend.staff.conduct import staff_conduct_submissions
from backend.staff.roles import SAFEGUARDING_LEAD, home_scope, sees_staff_conduct
from backend.submissions import create_submission, get_submission, list_submissions
from backend.timeutil import utcnow


async def post_submission(request: web.Request) -> web.Response:
    require_service(request)
    data = await read_body(request, SubmissionCreate)
    calendar = working_calendar(request.app[SETTINGS])
    async with request.app[SESSIONMAKER]() as session:
        record, code = await create_submission(session, data, calendar)
    record_day = local_date(record.received_at)
    receipt = SubmissionReceipt(
        reference=record.reference,
        access_code=code,
        kind=record.kind,
        status=record.status,
        received_at=record.received_at,
        # From the step table's clocks, counted from the day it arrived (a retried send: the first day).
        what_happens_next=receipt_next_steps(record.kind, record_day, calendar, local_date(utcnow())),
    )
    return web.json_response(receipt.model_dump(mode="json"), status=201)


async def _api_reader(request: web.Request) -> StaffUser:
    user = await require_staff(request)
    # Safeguarding leads see staff-conduct cases and alerts on the staff pages, not the whole list here.
    if user.role == SAFEGUARDING_LEAD:
        raise web.HTTPForbidden(reason="this role reads cases on the staff pages")
    return user


async def get_submissions(request: web.Request) -> web.Response:
    user = await _api_reader(request)
    async with request.app[SESSIONMAKER]() as session:
        homes = await home_scope(session, user)
        hidden = set() if sees_staff_conduct(user.role) else await staff_conduct_submissions(session)
        records = [
            r for r in await list_submissions(session) if (homes is None or r.home_code in homes) and r.id not in hidden
        ]
        await audit(session, user, "api_list_submissions", "submission_list", None, f"{len(records)} records")
        await session.commit()
    body = SubmissionList(items=[SubmissionOut.model_validate(r) for r in records])
    return web.json_response(body.model_dump(mode="json"))


async def get_one_submission(request: web.Request) -> web.Response:
    user = await _api_reader(request)
    async with request.app[SESSIONMAKER]() as session:
        homes = await home_scope(session, user)
        record = await get_submission(session, request.match_info["reference"].upper())
        if record is not None and homes is not None and record.home_code not in homes:
            record = None  # another home's case looks like no case at all
        if record is not None and not sees_staff_conduct(user.role):
            if record.id in await staff_conduct_submissions(session):
                record = None  # an allegation against staff, likewise (backend/staff/roles.py)
        if record is not None:
            await audit(
                session, user, "api_view_submission", "case", record.reference, None, home_code=record.home_code
            )
            await session.commit()
    if record is None:
        return problem(404, "no submission with that reference")
    return web.json_response(SubmissionOut.model_validate(record).model_dump(mode="json"))
