"""The page where staff record a complaint, comment or compliment that arrived by phone, letter, email or in person."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.casework.intake import KINDS, Intake, IntakeError, check, record
from backend.casework.service import working_calendar
from backend.deadlines import local_date
from backend.staff.models import Home
from backend.staff.roles import CASE_WORKERS, home_scope, require_role
from backend.timeutil import utcnow
from backend.web.forms import FormError, checked, optional_date, text, texts


async def _homes(request: web.Request, user_homes: set[str] | None) -> list[Home]:
    async with request.app[SESSIONMAKER]() as session:
        query = select(Home).order_by(Home.name)
        if user_homes is not None:
            query = query.where(Home.code.in_(user_homes))
        return list(await session.scalars(query))


async def _render(
    request: web.Request, homes: list[Home], form: dict[str, object], error: str | None, status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(
        "intake.html",
        request,
        {"homes": homes, "kinds": KINDS, "form": form, "error": error, "today": local_date(utcnow()).isoformat()},
        status=status,
    )


async def intake_page(request: web.Request) -> web.Response:
    user = require_role(request, *CASE_WORKERS)
    async with request.app[SESSIONMAKER]() as session:
        scope = await home_scope(session, user)
    return await _render(request, await _homes(request, scope), {}, None)


async def intake_submit(request: web.Request) -> web.Response:
    user = require_role(request, *CASE_WORKERS)
    form = await request.post()
    now = utcnow()
    async with request.app[SESSIONMAKER]() as session:
        scope = await home_scope(session, user)
    homes = await _homes(request, scope)
    services = texts(form, "services")
    categories = texts(form, "categories")
    # What the form shows again when it comes back with a message.
    shown: dict[str, object] = {k: v for k, v in form.items() if isinstance(v, str)}
    shown["services"] = services
    shown["categories"] = categories
    try:
        intake = Intake(
            kind=text(form, "kind"),
            home_code=text(form, "home"),
            received_on=optional_date(form, "received_on") or local_date(now),
            received_via=text(form, "received_via"),
            complainant=text(form, "complainant"),
            complainant_name=text(form, "complainant_name"),
            consent_note=text(form, "consent_note"),
            first_name=text(form, "first_name")[:40],
            anonymous=checked(form, "anonymous"),
            what_happened=text(form, "what_happened"),
            desired_outcome=text(form, "desired_outcome"),
            services=[c for c in services if c != text(form, "home")],
            categories=list(categories),
            staff_conduct=checked(form, "staff_conduct"),
            advocacy_offered=checked(form, "advocacy_offered"),
        )
        check(intake, {h.code for h in homes}, local_date(now))
    except (FormError, IntakeError) as exc:
        return await _render(request, homes, shown, str(exc), status=400)
    async with request.app[SESSIONMAKER]() as session:
        submission, code = await record(session, intake, user, working_calendar(request.app[SETTINGS]), now)
    # The access code is shown once, here, for staff to pass on with the acknowledgement.
    return aiohttp_jinja2.render_template(
        "intake_done.html", request, {"reference": submission.reference, "code": code, "kind": KINDS[intake.kind]}
    )
