"""Who is calling: the action server (service token) or a member of staff."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.models import StaffUser
from backend.throttle import rules as throttle
from backend.throttle.address import client_address
from backend.throttle.rules import LoginAttempt
from backend.timeutil import utcnow

ROLES = ("manager", "complaints_officer", "safeguarding_lead", "auditor")

_hasher = PasswordHasher()
# Verifying against a dummy hash keeps timing the same for unknown usernames.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def require_service(request: web.Request) -> None:
    """The action server sends `Authorization: Bearer <SERVICE_TOKEN>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    expected = request.app[SETTINGS].service_token
    # An empty expected token (settings built for a command, not the server) must never match "Bearer ".
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise web.HTTPUnauthorized(reason="service token required")


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        username, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (username, password) if sep else None


async def require_staff(request: web.Request) -> StaffUser:
    """HTTP Basic with a staff account: the API's minimal staff credential.

    Throttled like the login form (backend/throttle/rules.py), and checked before any hashing.
    """
    creds = _basic_credentials(request)
    if creds is None:
        raise web.HTTPUnauthorized(
            reason="staff credential required", headers={"WWW-Authenticate": 'Basic realm="staff"'}
        )
    username, password = creds
    now = utcnow()
    attempt = LoginAttempt(username.lower()[:64], client_address(request, request.app[SETTINGS].trusted_proxies))
    async with request.app[SESSIONMAKER]() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))
        decision = await throttle.begin(session, attempt, user, now)
        if isinstance(decision, throttle.Refusal):
            raise web.HTTPTooManyRequests(
                text=json.dumps({"error": "too many wrong passwords", "detail": decision.reason}),
                content_type="application/json",
                headers={"Retry-After": str(decision.retry_after)},
            )
        if user is None:
            await asyncio.to_thread(password_matches, _DUMMY_HASH, password)
            raise _wrong_credential()
        if not await asyncio.to_thread(password_matches, user.password_hash, password):
            raise _wrong_credential()
        await throttle.succeeded(session, attempt, decision, user, now, browser=False)
        await session.commit()
    return user


def _wrong_credential() -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(reason="staff credential required", headers={"WWW-Authenticate": 'Basic realm="staff"'})
