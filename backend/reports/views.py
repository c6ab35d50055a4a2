"""/staff/reports: the report on a page, and the same figures as PDF and CSV downloads.

Complaints officers and auditors see every home; a manager only their own homes. Staff-conduct
complaints are counted only for those who may read them (backend/staff/roles.py). Every view
and download is in the audit log. Bad dates or homes get 400 with the reason, never a 500.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import ModuleType
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.appkeys import SESSIONMAKER
from backend.deadlines import local_date
from backend.models import StaffUser
from backend.reports.figures import ReportFigures, Scope, report_figures
from backend.reports.periods import Period, PeriodError, choices, parse_period, reporting_year
from backend.staff.audit import audit
from backend.staff.models import Home
from backend.staff.roles import AUDITOR, COMPLAINTS_OFFICER, MANAGER, home_scope, require_role, sees_staff_conduct
from backend.timeutil import utcnow

REPORT_READERS = (COMPLAINTS_OFFICER, AUDITOR, MANAGER)
MAX_HOMES_ASKED = 200


class AskError(Exception):
    """What was asked for makes no report (status 400) or is not this person's to see (403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Asked:
    period: Period
    scope: Scope
    chosen: tuple[str, ...]  # the homes ticked (none: all the person may see)

    @property
    def query(self) -> str:
        pairs = [("from", self.period.start.isoformat()), ("to", self.period.end.isoformat())]
        return urlencode(pairs + [("home", code) for code in self.chosen])

    def detail(self) -> str:
        return f"{self.period.start} to {self.period.end}; homes: {', '.join(self.chosen) or 'all in scope'}"


@dataclass(frozen=True)
class Homes:
    known: frozenset[str]  # every home's code
    visible: list[tuple[str, str]]  # (code, name) of those this person may report on, by name
    allowed: set[str] | None  # their scope: None means every home


async def _homes(session: AsyncSession, user: StaffUser) -> Homes:
    allowed = await home_scope(session, user)
    every = [(code, name) for code, name in (await session.execute(select(Home.code, Home.name))).tuples()]
    visible = [(code, name) for code, name in every if allowed is None or code in allowed]
    return Homes(frozenset(code for code, _ in every), sorted(visible, key=lambda h: (h[1].casefold(), h[0])), allowed)


def _asked(request: web.Request, homes: Homes, role: str) -> Asked:
    query = request.query
    start, end = query.get("from"), query.get("to")
    if start is None and end is None:
        period = reporting_year(local_date(utcnow()))
    else:
        try:
            period = parse_period(start, end)
        except PeriodError as exc:
            raise AskError(400, str(exc)) from exc
    chosen = tuple(dict.fromkeys(code.strip() for code in query.getall("home", []) if code.strip()))
    if len(chosen) > MAX_HOMES_ASKED:
        raise AskError(400, f"choose at most {MAX_HOMES_ASKED} homes")
    unknown = [code for code in chosen if code not in homes.known]
    if unknown:
        raise AskError(400, f"unknown home: {unknown[0][:64]}")
    allowed = homes.allowed
    if allowed is not None and any(code not in allowed for code in chosen):
        raise AskError(403, "you can see reports only for the homes you manage")
    scope = frozenset(chosen) if chosen else (frozenset(allowed) if allowed is not None else None)
    return Asked(period, Scope(homes=scope, staff_conduct=sees_staff_conduct(role)), chosen)


async def _prepare(request: web.Request, action: str) -> tuple[StaffUser, Asked, ReportFigures, Homes]:
    """Check who asks and what; read the figures; record the view in the audit log."""
    user = require_role(request, *REPORT_READERS)
    async with request.app[SESSIONMAKER]() as session:
        homes = await _homes(session, user)
        asked = _asked(request, homes, user.role)
        figures = await report_figures(session, asked.period, asked.scope)
        await audit(session, user, action, "report", None, asked.detail())
        await session.commit()
    return user, asked, figures, homes


def _render() -> ModuleType:
    """Loaded on the first report, not at start-up: it brings matplotlib, which every CLI command would pay for."""
    from backend.reports import render

    return render


def _http_error(exc: AskError) -> web.HTTPException:
    return web.HTTPForbidden(reason=exc.reason) if exc.status == 403 else web.HTTPBadRequest(reason=exc.reason)


async def report_page(request: web.Request) -> web.Response:
    today = local_date(utcnow())
    context = {
        "choices": choices(today),
        "from_value": request.query.get("from", ""),
        "to_value": request.query.get("to", ""),
        "chosen": request.query.getall("home", []),
        "all_homes": False,
        "homes": [],
        "error": None,
    }
    try:
        user, asked, figures, homes = await _prepare(request, "view_report")
    except AskError as exc:
        if exc.status == 403:
            raise _http_error(exc) from exc
        user = require_role(request, *REPORT_READERS)
        async with request.app[SESSIONMAKER]() as session:
            homes = await _homes(session, user)
        context.update(error=exc.reason, homes=homes.visible, all_homes=homes.allowed is None)
        return aiohttp_jinja2.render_template("reports/page.html", request, context, status=400)
    body = await asyncio.to_thread(_render().body_html, figures)
    context.update(
        homes=homes.visible,
        all_homes=homes.allowed is None,
        from_value=asked.period.start.isoformat(),
        to_value=asked.period.end.isoformat(),
        chosen=list(asked.chosen),
        query=asked.query,
        body=body,
    )
    return aiohttp_jinja2.render_template("reports/page.html", request, context)


def _download(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def report_pdf(request: web.Request) -> web.Response:
    try:
        _, _, figures, _ = await _prepare(request, "download_report_pdf")
    except AskError as exc:
        raise _http_error(exc) from exc
    render = _render()
    pdf = await asyncio.to_thread(render.pdf_bytes, figures)
    return _download(pdf, "application/pdf", render.filename(figures, "pdf"))


async def report_csv(request: web.Request) -> web.Response:
    try:
        _, _, figures, _ = await _prepare(request, "download_report_csv")
    except AskError as exc:
        raise _http_error(exc) from exc
    render = _render()
    response = _download(render.csv_text(figures).encode("utf-8-sig"), "text/csv", render.filename(figures, "csv"))
    response.charset = "utf-8"
    return response
