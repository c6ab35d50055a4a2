"""CSRF protection for every staff form.

Logged in: a per-session token stored with the session. On the login page
(no session yet): a double-submit token in a short-lived SameSite=Strict cookie.
Forms send it as the field `csrf_token`; scripts may send the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web
from markupsafe import Markup, escape

from backend.staff.keys import LOGIN_CSRF, STAFF_SESSION
from backend.staff.models import StaffSession

LOGIN_COOKIE = "staff_login_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def csrf_token(request: web.Request) -> str:
    """The token to put in a form on this page."""
    staff_session: StaffSession | None = request.get(STAFF_SESSION)
    if staff_session is not None:
        return staff_session.csrf_token
    token = request.get(LOGIN_CSRF) or request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    request[LOGIN_CSRF] = token
    return token


def csrf_field(request: web.Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, escape(csrf_token(request)))


def set_login_cookie(request: web.Request, response: web.StreamResponse, secure: bool) -> None:
    if LOGIN_CSRF in request and request.cookies.get(LOGIN_COOKIE) != request[LOGIN_CSRF]:
        response.set_cookie(
            LOGIN_COOKIE,
            request[LOGIN_CSRF],
            httponly=True,
            samesite="Strict",
            secure=secure,
            path="/staff",
            max_age=3600,
        )


async def check_csrf(request: web.Request) -> None:
    """Raise 403 unless an unsafe request carries the right token."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    if sent is None and request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        value = (await request.post()).get(FIELD)
        sent = value if isinstance(value, str) else None
    staff_session: StaffSession | None = request.get(STAFF_SESSION)
    expected = staff_session.csrf_token if staff_session is not None else request.cookies.get(LOGIN_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise web.HTTPForbidden(reason="the form has expired or did not come from this site: reload and try again")
