"""POST /api/v1/alerts: the action server's outbox delivers an alert here (exactly once per key)."""

from __future__ import annotations

import logging

from aiohttp import web

from backend.alerts.keys import BROADCASTER, DISPATCHER
from backend.alerts.schemas import AlertCreate, AlertReceipt
from backend.alerts.store import create_alert, summary
from backend.api.body import read_body
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import require_service
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


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
    log.warning(
        "SAFEGUARDING ALERT %s: home %s, %s/%s (source %s)",
        alert.id,
        alert.home_code,
        alert.category,
        alert.severity,
        alert.source,
    )
    try:
        request.app[BROADCASTER].publish(summary(alert).model_dump(mode="json"))
        request.app[DISPATCHER].kick(notification_ids)
    except Exception:
        # The alert is stored; the escalation loop's poll will still send what is pending.
        log.exception("alert %s stored but live notification failed", alert.id)
    return web.json_response(receipt.model_dump(mode="json"), status=201)
