"""Jinja2 set-up for staff pages: autoescape on, and what every template may use."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from backend.casework import vocab
from backend.casework.timescales import STAGE2_DAYS, STAGE2_MAX_DAYS
from backend.deadlines import LONDON
from backend.staff.csrf import csrf_field, csrf_token
from backend.staff.keys import STAFF_USER
from backend.staff.roles import ROLE_LABELS

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def format_date(value: date | str | None) -> str:
    """Also an ISO date string, as timeline details keep dates (JSON has no date type)."""
    if isinstance(value, str):
        written = value
        try:
            value = date.fromisoformat(written)
        except ValueError:
            return written
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
        STATE_LABELS=vocab.STATE_LABELS,
        OUTCOME_LABELS=vocab.OUTCOME_LABELS,
        OUTCOME_STAGES=vocab.OUTCOME_STAGES,
        FINDINGS=vocab.FINDINGS,
        REMEDIES=vocab.REMEDIES,
        CATEGORIES=vocab.CATEGORIES,
        COMPLAINANTS=vocab.COMPLAINANTS,
        RECEIVED_VIA=vocab.RECEIVED_VIA,
        NOT_ACCEPTED_REASONS=vocab.NOT_ACCEPTED_REASONS,
        STAGE2_DAYS=STAGE2_DAYS,
        STAGE2_MAX_DAYS=STAGE2_MAX_DAYS,
        ROLE_LABELS=ROLE_LABELS,
    )
