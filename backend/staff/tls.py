"""Staff pages off loopback need TLS: the session cookie is Secure, and plain-HTTP requests are refused.

The backend does not terminate TLS itself: off loopback it sits behind a reverse proxy that
does (README, "Who sees what"). A proxy on the same machine talks to it over loopback, so
there COOKIE_SECURE=1 says "the browser reaches us over HTTPS" explicitly.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

_ON = {"1", "true", "yes", "on"}
_OFF = {"0", "false", "no", "off"}


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a name or a wildcard such as 0.0.0.0 is reachable from elsewhere


def secure_cookies(host: str, setting: str) -> bool:
    """COOKIE_SECURE: unset means on unless the backend binds to loopback; off is refused off loopback."""
    value = setting.strip().lower()
    if value in _ON:
        return True
    if value not in _OFF and value != "":
        raise RuntimeError("COOKIE_SECURE must be 1 or 0 (or unset: on unless BACKEND_HOST is loopback)")
    if not is_loopback(host):
        if value in _OFF:
            raise RuntimeError(
                f"COOKIE_SECURE=0 with BACKEND_HOST={host}: staff pages reachable from other machines need TLS "
                "(put a TLS-terminating proxy in front, see the README)"
            )
        return True
    return False


def came_over_https(request: web.Request) -> bool:
    """Directly over TLS, or through a proxy that says so. A spoofed header only fools the spoofer:
    the browser still will not send a Secure cookie over plain HTTP."""
    if request.secure:
        return True
    if request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() == "https":
        return True
    forwarded = request.headers.get("Forwarded", "").split(",")[0].lower()
    return any(part.strip() == "proto=https" for part in forwarded.split(";"))
