"""URLs for safeguarding concerns (added to the app by backend/routes.py)."""

from __future__ import annotations

from aiohttp import web

from backend.concerns.api import post_concern
from backend.concerns.views import close_concern, concern_page, concern_to_alert, concerns_page


def setup_concern_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/concerns", post_concern)
    app.router.add_get("/staff/concerns", concerns_page)
    app.router.add_get("/staff/concerns/{concern_id}", concern_page)
    app.router.add_post("/staff/concerns/{concern_id}/close", close_concern)
    app.router.add_post("/staff/concerns/{concern_id}/alert", concern_to_alert)
