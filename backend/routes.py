"""Every URL the backend serves, in one place."""

from __future__ import annotations

from aiohttp import web

from backend.alerts.routes import setup_alert_routes
from backend.api.advocacy import post_advocacy_request
from backend.api.health import health
from backend.api.status import post_next_stage, post_status
from backend.api.submissions import get_one_submission, get_submissions, post_submission
from backend.concerns.routes import setup_concern_routes
from backend.openapi import openapi_document
from backend.web.routes import setup_staff_routes


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/api/openapi.json", openapi_document)
    app.router.add_post("/api/v1/submissions", post_submission)
    app.router.add_get("/api/v1/submissions", get_submissions)
    app.router.add_get("/api/v1/submissions/{reference}", get_one_submission)
    app.router.add_post("/api/v1/status", post_status)
    app.router.add_post("/api/v1/status/next-stage", post_next_stage)
    app.router.add_post("/api/v1/advocacy-requests", post_advocacy_request)
    # Safeguarding: POST /api/v1/alerts, /staff/alerts (live page, SSE), handoff; see backend/alerts/routes.py.
    setup_alert_routes(app)
    # Safeguarding concerns: POST /api/v1/concerns, the /staff/concerns review queue; see backend/concerns/routes.py.
    setup_concern_routes(app)
    # Staff pages (/staff/...): login, cases, Feedback Log, audit log, homes; see backend/web/routes.py.
    setup_staff_routes(app)
