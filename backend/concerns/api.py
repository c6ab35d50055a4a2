"""POST /api/v1/concerns: the action server's outbox delivers a concern here (exactly once per key)."""

from __future__ import annotations

import logging

from aiohttp import web

from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service
from backend.casework.service import working_calendar
from backend.concerns.schemas import ConcernCreate, ConcernReceipt
from backend.concerns.store import create_concern
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


async def post_concern(request: web.Request) -> web.Response:
    require_service(request)
    data = await read_body(request, ConcernCreate)
    async with request.app[SESSIONMAKER]() as session:
        concern, created = await create_concern(session, data, working_calendar(request.app[SETTINGS]), utcnow())
    receipt = ConcernReceipt(concern_id=concern.id, status=concern.status)
    if created:
        # No sound and no escalation: the concern waits in the review queue (logs never carry the child's words).
        log.info(
            "safeguarding concern %s: home %s, %s (source %s)",
            concern.id,
            concern.home_code,
            concern.category,
            concern.source,
        )
    return web.json_response(receipt.model_dump(mode="json"), status=201 if created else 200)
