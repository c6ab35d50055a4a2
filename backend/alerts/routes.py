"""URLs for safeguarding alerts and the handoff (added to the app by backend/routes.py)."""

from __future__ import annotations

from aiohttp import web

from backend.alerts.api import post_alert
from backend.alerts.stream import alert_stream
from backend.alerts.views import acknowledge_alert, alert_page, alerts_page, close_alert
from backend.handoff.views import handoff_messages, handoff_page, join, leave, send


def setup_alert_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/alerts", post_alert)
    app.router.add_get("/staff/alerts", alerts_page)
    # Before /staff/alerts/{alert_id}, which would otherwise match "stream".
    app.router.add_get("/staff/alerts/stream", alert_stream)
    app.router.add_get("/staff/alerts/{alert_id}", alert_page)
    app.router.add_post("/staff/alerts/{alert_id}/acknowledge", acknowledge_alert)
    app.router.add_post("/staff/alerts/{alert_id}/close", close_alert)
    app.router.add_post("/staff/alerts/{alert_id}/handoff/join", join)
    app.router.add_get("/staff/alerts/{alert_id}/handoff", handoff_page)
    app.router.add_get("/staff/alerts/{alert_id}/handoff/messages", handoff_messages)
    app.router.add_post("/staff/alerts/{alert_id}/handoff/send", send)
    app.router.add_post("/staff/alerts/{alert_id}/handoff/leave", leave)
