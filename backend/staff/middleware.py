"""Loads the staff session for /staff/ pages and enforces CSRF on every unsafe request there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.staff.csrf import check_csrf, set_login_cookie
from backend.staff.keys import SESSION_EXPIRED, STAFF_SESSION, STAFF_USER
from backend.staff.sessions import COOKIE_NAME, load_session, session_limits
from backend.staff.tls import came_over_https
from backend.timeutil import utcnow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed", 429: "Too many tries"}


def _error_page(request: web.Request, exc: web.HTTPException) -> web.Response:
    """A staff-facing error page with the reason (never a traceback)."""
    from backend.staff.csrf import csrf_field

    return aiohttp_jinja2.render_template(
        "error.html",
        request,
        {
            "status": exc.status,
            "title": _TITLES.get(exc.status, "Something went wrong"),
            "reason": exc.reason,
            "staff_user": request.get(STAFF_USER),
            "csrf_field": lambda: csrf_field(request),
            "current_path": request.path,
        },
        status=exc.status,
    )


@web.middleware
async def staff_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/staff") or request.path.startswith("/staff/static/"):
        return await handler(request)
    settings = request.app[SETTINGS]
    request[STAFF_USER] = None
    request[STAFF_SESSION] = None
    if settings.cookie_secure and not came_over_https(request):
        # The Secure cookie would never come back over plain HTTP: say why instead of looping to the login.
        return _error_page(
            request,
            web.HTTPForbidden(reason="staff pages need HTTPS here: open them through the https:// address"),
        )
    token = request.cookies.get(COOKIE_NAME)
    if token:
        async with request.app[SESSIONMAKER]() as session:
            loaded = await load_session(session, token, utcnow(), session_limits(settings))
            await session.commit()
        if loaded is None:
            request[SESSION_EXPIRED] = True
        else:
            request[STAFF_SESSION], request[STAFF_USER] = loaded
    try:
        await check_csrf(request)
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = _error_page(request, exc)
    # Staff pages hold children's words: never cache them, never frame them.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    if request.get(SESSION_EXPIRED) and request[STAFF_SESSION] is None:
        response.del_cookie(COOKIE_NAME, path="/staff")
    set_login_cookie(request, response, settings.cookie_secure)
    return response
