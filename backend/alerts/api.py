"""POST /api/v1/alerts: the action server's outbox delivers an alert here (exactly once per key)."""

from __future__ import annotations

from aiohttp import web

from backend.alerts.announce import announce
from backend.alerts.schemas import AlertCreate, AlertReceipt
from backend.alerts.store import create_alert
from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service
from backend.timeutil import utcnow


async def post_alert(request: web.Request) -> web.Response:
    require_service(request)
    data = await read_body(request, AlertCreate)
    async with request.app[SESSIONMAKER]() as session:
        alert, created, notification_ids = await create_alert(
            session, data, request.app[SETTINGS].safeguarding, utcnow()
        )
    receipt = AlertReceipt(alert_id=alert.id, status=alert.status)
    if not created:
        return web.json_response(receipt.model_dump(mode="json"), status=200)
    # Committed: now tell the open staff pages, then the notifiers, neither able to delay or fail this answer.
    announce(request.app, alert, notification_ids)
    return web.json_response(receipt.model_dump(mode="json"), status=201)
