"""URLs of the staff pages (added to the app by backend/routes.py)."""

from __future__ import annotations

from aiohttp import web

from backend.reports.views import report_csv, report_page, report_pdf
from backend.web.audit_log import audit_page
from backend.web.cases import case_action, case_list, case_page
from backend.web.feedback import feedback_log
from backend.web.homes import assign_manager, homes_page, save_home
from backend.web.intake import intake_page, intake_submit
from backend.web.login import login_page, login_submit, logout


async def _staff_home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/staff/cases")


def setup_staff_routes(app: web.Application) -> None:
    app.router.add_get("/staff", _staff_home)
    app.router.add_get("/staff/", _staff_home)
    app.router.add_get("/staff/login", login_page)
    app.router.add_post("/staff/login", login_submit)
    app.router.add_post("/staff/logout", logout)
    app.router.add_get("/staff/cases", case_list)
    # Before "/staff/cases/{reference}": "new" is not a reference.
    app.router.add_get("/staff/cases/new", intake_page)
    app.router.add_post("/staff/cases/new", intake_submit)
    app.router.add_get("/staff/cases/{reference}", case_page)
    app.router.add_post("/staff/cases/{reference}/{action}", case_action)
    app.router.add_get("/staff/feedback", feedback_log)
    app.router.add_get("/staff/audit", audit_page)
    app.router.add_get("/staff/homes", homes_page)
    app.router.add_post("/staff/homes", save_home)
    app.router.add_post("/staff/homes/{code}/managers", assign_manager)
    app.router.add_get("/staff/reports", report_page)
    app.router.add_get("/staff/reports.pdf", report_pdf)
    app.router.add_get("/staff/reports.csv", report_csv)
