"""Login and logout."""

from __future__ import annotations

import asyncio

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.auth import _DUMMY_HASH, password_matches
from backend.models import StaffUser
from backend.staff.audit import audit
from backend.staff.keys import SESSION_EXPIRED, STAFF_USER
from backend.staff.roles import SAFEGUARDING_LEAD
from backend.staff.sessions import COOKIE_NAME, end_session, purge_idle_sessions, session_limits, start_session
from backend.throttle import rules as throttle
from backend.throttle.address import client_address
from backend.throttle.rules import LoginAttempt
from backend.timeutil import utcnow


def _safe_next(value: str | None, user: StaffUser) -> str:
    default = "/staff/alerts" if user.role == SAFEGUARDING_LEAD else "/staff/cases"
    # Only ever redirect within the staff pages (no //evil.example or absolute URLs).
    if value and value.startswith("/staff/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def _render_login(request: web.Request, error: str | None, status: int = 200, username: str = "") -> web.Response:
    message = None
    if request.get(SESSION_EXPIRED):
        # Idle too long, or past the absolute lifetime (backend/staff/sessions.py).
        message = "Your session ended after a period of inactivity or at its time limit. Please log in again."
    return aiohttp_jinja2.render_template(
        "login.html",
        request,
        {"error": error, "message": message, "next": request.query.get("next", ""), "username": username},
        status=status,
    )


async def login_page(request: web.Request) -> web.Response:
    user: StaffUser | None = request.get(STAFF_USER)
    if user is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next"), user))
    return _render_login(request, None)


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    now = utcnow()
    settings = request.app[SETTINGS]
    key = username.lower()
    attempt = LoginAttempt(
        key, client_address(request, settings.trusted_proxies), request.cookies.get(throttle.DEVICE_COOKIE)
    )
    async with request.app[SESSIONMAKER]() as session:
        user = await session.scalar(
            select(StaffUser).where(func.lower(StaffUser.username) == key, StaffUser.active.is_(True))
        )
        # Decided before any hashing; a counted try is committed first, so parallel guesses all count.
        decision = await throttle.begin(session, attempt, user, now)
        if isinstance(decision, throttle.Refusal):
            response = _render_login(request, decision.reason, 429, username)
            response.headers["Retry-After"] = str(decision.retry_after)
            return response
        if user is None:
            await asyncio.to_thread(password_matches, _DUMMY_HASH, password)  # same timing as a wrong password
        if user is None or not await asyncio.to_thread(password_matches, user.password_hash, password):
            await audit(session, None, "login_failed", "staff_user", None, f"username {username!r}")
            await session.commit()
            return _render_login(request, "Wrong username or password.", 401, username)
        device_token = await throttle.succeeded(session, attempt, decision, user, now)
        limits = session_limits(settings)
        await purge_idle_sessions(session, now, limits.idle, limits.absolute)
        if request.cookies.get(COOKIE_NAME):
            # A fresh session id at every login (no session fixation).
            await end_session(session, request.cookies[COOKIE_NAME])
        token, _ = await start_session(session, user, now)
        await audit(session, user, "login", "staff_user", user.id, None)
        await session.commit()
    response = web.HTTPSeeOther(_safe_next(str(request.query.get("next", "")) or None, user))
    response.set_cookie(
        COOKIE_NAME, token, httponly=True, samesite="Strict", secure=settings.cookie_secure, path="/staff"
    )
    # Remembers this browser, so other people's wrong guesses at this account never keep its owner out.
    assert device_token is not None
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        device_token,
        httponly=True,
        samesite="Strict",
        secure=settings.cookie_secure,
        path="/staff",
        max_age=int(throttle.TRUST_FOR.total_seconds()),
    )
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(COOKIE_NAME)
    if token:
        async with request.app[SESSIONMAKER]() as session:
            await end_session(session, token)
            user: StaffUser | None = request.get(STAFF_USER)
            if user is not None:
                await audit(session, user, "logout", "staff_user", user.id, None)
            await session.commit()
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(COOKIE_NAME, path="/staff")
    raise response
