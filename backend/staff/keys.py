"""Typed per-request keys the staff middleware fills in (read them with `request.get(KEY)`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from backend.models import StaffUser
from backend.staff.models import StaffSession

# None on a staff page nobody is signed in to (the session middleware always sets both).
STAFF_USER: web.RequestKey[StaffUser | None] = web.RequestKey("staff_user", StaffUser)
STAFF_SESSION: web.RequestKey[StaffSession | None] = web.RequestKey("staff_session", StaffSession)
SESSION_EXPIRED = web.RequestKey("session_expired", bool)
LOGIN_CSRF = web.RequestKey("login_csrf", str)
SUBMITTED_FORM = web.RequestKey("submitted_form", dict[str, Any])
