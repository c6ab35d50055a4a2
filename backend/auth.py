"""Who is calling: the action server (service token) or a member of staff."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.models import StaffUser

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
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
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
    """HTTP Basic with a staff account: the API's minimal staff credential."""
    creds = _basic_credentials(request)
    if creds is None:
        raise web.HTTPUnauthorized(
            reason="staff credential required", headers={"WWW-Authenticate": 'Basic realm="staff"'}
        )
    username, password = creds
    async with request.app[SESSIONMAKER]() as session:
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active.is_(True)))
    if user is None:
        await asyncio.to_thread(password_matches, _DUMMY_HASH, password)
        raise web.HTTPUnauthorized(reason="staff credential required")
    if not await asyncio.to_thread(password_matches, user.password_hash, password):
        raise web.HTTPUnauthorized(reason="staff credential required")
    return user
