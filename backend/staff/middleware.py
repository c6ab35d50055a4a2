"""The staff pages' middlewares, one job each; backend/app.py lists them in the order they run.

Each applies to /staff pages only (not to the API, not to /staff/static/). A redirect raised
by a handler passes through all of them untouched, as aiohttp sends it itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.staff.csrf import check_csrf, csrf_field, set_login_cookie
from backend.staff.keys import SESSION_EXPIRED, STAFF_SESSION, STAFF_USER
from backend.staff.sessions import COOKIE_NAME, load_session, session_limits
from backend.staff.tls import came_over_https
from backend.timeutil import utcnow

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Staff pages hold children's words: never cache them, never frame them, never leak their URL.
# The one set of headers for every HTML page the backend sends (also the 413 page, backend/limits.py).
# img-src allows data: for the report charts (backend/reports/charts.py).
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

_TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed", 429: "Too many tries"}


def _is_staff_page(request: web.Request) -> bool:
    return request.path.startswith("/staff") and not request.path.startswith("/staff/static/")


def _error_page(request: web.Request, exc: web.HTTPException) -> web.Response:
    """A staff-facing error page with the reason (never a traceback)."""
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
async def page_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every staff page, error pages included, carries PAGE_HEADERS unless its handler chose otherwise."""
    response = await handler(request)
    if _is_staff_page(request):
        for name, value in PAGE_HEADERS.items():
            response.headers.setdefault(name, value)
    return response


@web.middleware
async def https_only_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A Secure session cookie never comes back over plain HTTP: say why, instead of looping to the login."""
    if _is_staff_page(request) and request.app[SETTINGS].cookie_secure and not came_over_https(request):
        return _error_page(
            request,
            web.HTTPForbidden(reason="staff pages need HTTPS here: open them through the https:// address"),
        )
    return await handler(request)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who is asking: the staff session from its cookie, and the cookie dropped once the session has ended."""
    if not _is_staff_page(request):
        return await handler(request)
    request[STAFF_USER] = None
    request[STAFF_SESSION] = None
    token = request.cookies.get(COOKIE_NAME)
    if token:
        async with request.app[SESSIONMAKER]() as session:
            loaded = await load_session(session, token, utcnow(), session_limits(request.app[SETTINGS]))
            await session.commit()
        if loaded is None:
            request[SESSION_EXPIRED] = True
        else:
            request[STAFF_SESSION], request[STAFF_USER] = loaded
    response = await handler(request)
    if request.get(SESSION_EXPIRED) and request[STAFF_SESSION] is None:
        response.del_cookie(COOKIE_NAME, path="/staff")
    return response


@web.middleware
async def login_csrf_cookie_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Before login there is no session to hold the CSRF token: a page that handed one out sets it as a cookie."""
    response = await handler(request)
    if _is_staff_page(request):
        set_login_cookie(request, response, request.app[SETTINGS].cookie_secure)
    return response


@web.middleware
async def error_page_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Staff read a refusal (400 and up) as a page with its reason, inside the staff layout."""
    if not _is_staff_page(request):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error_page(request, exc)


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No unsafe request reaches a staff handler without the CSRF token of this session (or login page)."""
    if _is_staff_page(request):
        await check_csrf(request)
    return await handler(request)
