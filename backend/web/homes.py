"""Homes, their managers and their advocacy providers (complaints officer only; others may look)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import delete, select

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.home_codes import is_home_code
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.models import Home, HomeManager
from backend.staff.roles import AUDIT_READERS, HOME_ADMINS, MANAGER, require_role
from backend.web.forms import FormError, text


async def _render(request: web.Request, error: str | None = None, status: int = 200) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        homes = list(await session.scalars(select(Home).order_by(Home.name)))
        managers = list(
            await session.scalars(select(StaffUser).where(StaffUser.role == MANAGER).order_by(StaffUser.username))
        )
        links = (await session.execute(select(HomeManager.home_id, HomeManager.staff_user_id))).all()
    by_id = {m.id: m for m in managers}
    assigned = {h.id: [by_id[uid] for hid, uid in links if hid == h.id and uid in by_id] for h in homes}
    settings = request.app[SETTINGS]
    return aiohttp_jinja2.render_template(
        "homes.html",
        request,
        {
            "homes": homes,
            "managers": managers,
            "assigned": assigned,
            "error": error,
            "can_edit": require_role(request).role in HOME_ADMINS,
            "default_provider": settings.advocacy_provider_name,
        },
        status=status,
    )


async def homes_page(request: web.Request) -> web.Response:
    require_role(request, *AUDIT_READERS)
    return await _render(request)


async def save_home(request: web.Request) -> web.StreamResponse:
    """Create a home or update its name and advocacy provider (keyed by code)."""
    user = require_role(request, *HOME_ADMINS)
    form = await request.post()
    try:
        code = text(form, "code").strip()
        name = text(form, "name").strip()
        advocacy = [text(form, field).strip() for field in ("advocacy_name", "advocacy_phone", "advocacy_email")]
    except FormError as exc:
        return await _render(request, str(exc), 400)
    if not is_home_code(code):
        return await _render(request, "the home code may use letters, digits, dot, dash and underscore only", 400)
    if not name:
        return await _render(request, "the home needs a name", 400)
    async with request.app[SESSIONMAKER]() as session:
        home = await session.scalar(select(Home).where(Home.code == code))
        if home is None:
            home = Home(code=code, name=name)
            session.add(home)
        home.name = name[:200]
        home.advocacy_name = advocacy[0][:200] or None
        home.advocacy_phone = advocacy[1][:64] or None
        home.advocacy_email = advocacy[2][:200] or None
        await audit(session, user, "save_home", "home", code, f"name {name!r}", home_code=code)
        await session.commit()
    raise web.HTTPSeeOther("/staff/homes")


async def assign_manager(request: web.Request) -> web.StreamResponse:
    user = require_role(request, *HOME_ADMINS)
    form = await request.post()
    code = request.match_info["code"]
    async with request.app[SESSIONMAKER]() as session:
        home = await session.scalar(select(Home).where(Home.code == code))
        manager = await session.scalar(
            select(StaffUser).where(StaffUser.username == str(form.get("username", "")), StaffUser.role == MANAGER)
        )
        if home is None or manager is None:
            return await _render(request, "choose an existing home and manager", 400)
        remove = form.get("remove") == "1"
        await session.execute(
            delete(HomeManager).where(HomeManager.home_id == home.id, HomeManager.staff_user_id == manager.id)
        )
        if not remove:
            session.add(HomeManager(home_id=home.id, staff_user_id=manager.id))
        action = "unassign_manager" if remove else "assign_manager"
        await audit(session, user, action, "home", code, f"manager {manager.username!r}", home_code=code)
        await session.commit()
    raise web.HTTPSeeOther("/staff/homes")
