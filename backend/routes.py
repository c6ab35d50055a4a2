"""Every URL the backend serves, in one table: method, path, handler (and name, where one is used).

Order matters only where a fixed path and a pattern could both match: the fixed one comes
first (noted beside it). `tests/backend/test_authorization_matrix.py` reads this table from
the router and fails for a URL without a row there.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from backend.alerts.api import post_alert
from backend.alerts.stream import alert_stream
from backend.alerts.views import acknowledge_alert, alert_page, alerts_page, close_alert
from backend.api.advocacy import post_advocacy_request
from backend.api.health import health
from backend.api.status import post_next_stage, post_status
from backend.api.submissions import get_one_submission, get_submissions, post_submission
from backend.concerns.api import post_concern
from backend.concerns.views import close_concern, concern_page, concern_to_alert, concerns_page
from backend.handoff.views import handoff_messages, handoff_page, join, leave, send
from backend.openapi import openapi_document
from backend.reports.views import report_csv, report_page, report_pdf
from backend.web.audit_log import audit_page
from backend.web.cases import case_action, case_list, case_page
from backend.web.feedback import feedback_log
from backend.web.homes import assign_manager, homes_page, save_home
from backend.web.intake import intake_page, intake_submit
from backend.web.login import login_page, login_submit, logout

STATIC = Path(__file__).resolve().parent / "static"


async def staff_home(request: web.Request) -> web.StreamResponse:
    """/staff on its own opens the case list."""
    raise web.HTTPSeeOther("/staff/cases")


ROUTES: list[web.AbstractRouteDef] = [
    # Chat and API: the action server (service token) and API clients (HTTP Basic).
    web.get("/health", health),
    web.get("/api/openapi.json", openapi_document),
    web.post("/api/v1/submissions", post_submission),
    web.get("/api/v1/submissions", get_submissions),
    web.get("/api/v1/submissions/{reference}", get_one_submission),
    web.post("/api/v1/status", post_status),
    web.post("/api/v1/status/next-stage", post_next_stage),
    web.post("/api/v1/advocacy-requests", post_advocacy_request),
    web.post("/api/v1/alerts", post_alert),
    web.post("/api/v1/concerns", post_concern),
    # Staff pages: login, cases, Feedback Log, audit log, homes.
    web.get("/staff", staff_home),
    web.get("/staff/", staff_home),
    web.get("/staff/login", login_page),
    web.post("/staff/login", login_submit),
    web.post("/staff/logout", logout),
    web.get("/staff/cases", case_list),
    web.get("/staff/cases/new", intake_page),  # before /staff/cases/{reference}: "new" is not a reference
    web.post("/staff/cases/new", intake_submit),
    web.get("/staff/cases/{reference}", case_page),
    web.post("/staff/cases/{reference}/{action}", case_action),
    web.get("/staff/feedback", feedback_log),
    web.get("/staff/audit", audit_page),
    web.get("/staff/homes", homes_page),
    web.post("/staff/homes", save_home),
    web.post("/staff/homes/{code}/managers", assign_manager),
    # Safeguarding alerts: the live list, its event stream, one alert.
    web.get("/staff/alerts", alerts_page),
    web.get("/staff/alerts/stream", alert_stream),  # before /staff/alerts/{alert_id}: "stream" is not an id
    web.get("/staff/alerts/{alert_id}", alert_page),
    web.post("/staff/alerts/{alert_id}/acknowledge", acknowledge_alert),
    web.post("/staff/alerts/{alert_id}/close", close_alert),
    # Handoff: a member of staff talks to the child in the chat (backend/handoff/).
    web.post("/staff/alerts/{alert_id}/handoff/join", join),
    web.get("/staff/alerts/{alert_id}/handoff", handoff_page),
    web.get("/staff/alerts/{alert_id}/handoff/messages", handoff_messages),
    web.post("/staff/alerts/{alert_id}/handoff/send", send),
    web.post("/staff/alerts/{alert_id}/handoff/leave", leave),
    # Safeguarding concerns: the review queue.
    web.get("/staff/concerns", concerns_page),
    web.get("/staff/concerns/{concern_id}", concern_page),
    web.post("/staff/concerns/{concern_id}/close", close_concern),
    web.post("/staff/concerns/{concern_id}/alert", concern_to_alert),
    # Reports: the page, and the same figures as PDF and CSV.
    web.get("/staff/reports", report_page),
    web.get("/staff/reports.pdf", report_pdf),
    web.get("/staff/reports.csv", report_csv),
    # Static files of the staff pages (CSS, scripts).
    web.static("/staff/static/", STATIC, name="static"),
]


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(ROUTES)
