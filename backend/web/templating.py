"""Jinja2 set-up for staff pages: autoescape on, and what every template may use."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from backend.deadlines import LONDON
from backend.staff.csrf import csrf_field, csrf_token
from backend.staff.keys import STAFF_USER
from backend.staff.roles import ROLE_LABELS
from backend.workflow.rules import CATEGORIES, OUTCOME_LABELS, REMEDIES, STATE_LABELS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"


def format_date(value: date | None) -> str:
    return "" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


def format_datetime(value: datetime | None, date_only: bool = False) -> str:
    """`date_only` for anonymous records: they keep no time of day (backend/anonymous_dates.py)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    if date_only:
        return format_date(local.date())
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


async def _staff_context(request: web.Request) -> dict[str, Any]:
    return {
        "staff_user": request.get(STAFF_USER),
        "csrf_token": csrf_token(request),
        "csrf_field": lambda: csrf_field(request),
        "current_path": request.path,
    }


def setup_templates(app: web.Application) -> None:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # Every child-written text is shown escaped: autoescape everything, not just .html.
        autoescape=True,
        context_processors=[_staff_context],
    )
    env.filters.update(d=format_date, dt=format_datetime)
    env.globals.update(
        STATE_LABELS=STATE_LABELS,
        OUTCOME_LABELS=OUTCOME_LABELS,
        REMEDIES=REMEDIES,
        CATEGORIES=CATEGORIES,
        ROLE_LABELS=ROLE_LABELS,
    )
    app.router.add_static("/staff/static/", STATIC, name="static")
