"""POST /api/v1/advocacy-requests: a child asked for an advocate."""

from __future__ import annotations

from aiohttp import web

from backend.advocacy import UnknownReferenceError, create_advocacy_request, what_happens_next
from backend.advocacy_notice.context import NOTICE_DISPATCHER
from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service
from backend.errors import problem
from backend.schemas import AdvocacyReceipt, AdvocacyRequestCreate


async def post_advocacy_request(request: web.Request) -> web.Response:
    require_service(request)
    data = await read_body(request, AdvocacyRequestCreate)
    async with request.app[SESSIONMAKER]() as session:
        try:
            created = await create_advocacy_request(session, request.app[SETTINGS], data)
        except UnknownReferenceError:
            # Well-formed but unknown: not found, like every other lookup by reference.
            return problem(404, "not found", "No submission has that reference.")
    # Committed: start telling the provider now (the outbox loop would pick it up anyway).
    request.app[NOTICE_DISPATCHER].kick(created.notice_ids)
    record, provider, submission = created.record, created.provider, created.submission
    receipt = AdvocacyReceipt(
        id=record.id,
        provider_name=provider.name,
        provider_phone=provider.phone,
        provider_email=provider.email,
        provider_notice=record.provider_notice,
        what_happens_next=what_happens_next(
            provider,
            notice=record.provider_notice,
            anonymous=record.anonymous,
            linked=submission is not None,
            consent=data.consent_to_share,
        ),
        linked_reference=submission.reference if submission else None,
    )
    return web.json_response(receipt.model_dump(mode="json"), status=201)
