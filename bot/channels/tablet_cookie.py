"""The tablet token travels as a cookie the page's scripts cannot read.

HttpOnly (no script, so no injected script either, can copy it), SameSite=Strict
(no other site can make the tablet send it), Path=/chat (only the chat channel
receives it), and Secure unless the request came over plain HTTP on loopback
(`make run` on one machine): anywhere else it only ever travels over TLS.
"""

from __future__ import annotations

from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.setup_guard import is_loopback

COOKIE_NAME = "tablet"
COOKIE_PATH = "/chat"


def client_address(request: Request) -> str:
    """The caller's address: the proxy's forwarded one when Sanic is told to trust a proxy
    (SANIC_PROXIES_COUNT / SANIC_REAL_IP_HEADER), otherwise the socket's peer."""
    return (request.remote_addr or request.ip or "").strip("[]")


def came_over_tls(request: Request) -> bool:
    # The header only ever adds Secure, so trusting it from anyone costs nothing.
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" or request.scheme == "https"


def needs_secure(request: Request) -> bool:
    return came_over_tls(request) or not is_loopback(request.ip or "")


def tablet_token_from(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME)


def set_tablet_cookie(response: HTTPResponse, request: Request, token: str, max_age_seconds: int) -> None:
    response.cookies[COOKIE_NAME] = token
    cookie = response.cookies[COOKIE_NAME]
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age_seconds
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = needs_secure(request)


def clear_tablet_cookie(response: HTTPResponse, request: Request) -> None:
    # Same name, path and flags, empty and already expired: the browser drops it.
    set_tablet_cookie(response, request, "", 0)
