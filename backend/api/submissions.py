"""Submission endpoints: created by the action server, read by staff."""

from __future__ import annotations

from aiohttp import web

from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER
from backend.auth import require_service, require_staff
from backend.errors import problem
from backend.schemas import SubmissionCreate, SubmissionList, SubmissionOut, SubmissionReceipt
from backend.submissions import create_submission, get_submission, list_submissions


async def post_submission(request: web.Request) -> web.Response:
    require_service(request)
    data = await read_body(request, SubmissionCreate)
    async with request.app[SESSIONMAKER]() as session:
        record, code = await create_submission(session, data)
    receipt = SubmissionReceipt(
        reference=record.reference,
        access_code=code,
        kind=record.kind,
        status=record.status,
        received_at=record.received_at,
    )
    return web.json_response(receipt.model_dump(mode="json"), status=201)


async def get_submissions(request: web.Request) -> web.Response:
    await require_staff(request)
    async with request.app[SESSIONMAKER]() as session:
        records = await list_submissions(session)
    body = SubmissionList(items=[SubmissionOut.model_validate(r) for r in records])
    return web.json_response(body.model_dump(mode="json"))


async def get_one_submission(request: web.Request) -> web.Response:
    await require_staff(request)
    async with request.app[SESSIONMAKER]() as session:
        record = await get_submission(session, request.match_info["reference"].upper())
    if record is None:
        return problem(404, "no submission with that reference")
    return web.json_response(SubmissionOut.model_validate(record).model_dump(mode="json"))
