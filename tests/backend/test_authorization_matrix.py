"""The authorisation matrix: every staff and API route, every role, the answer each gets. One table.

The routes are read from the app's own router, so a route added without a row here fails
`test_every_route_has_a_row`. Each cell is a real request over HTTP: staff roles through a
session from the real login form (and HTTP Basic on the API), the action server with its
service token, and a visitor with nothing. POST bodies are chosen to be refused *after*
the permission check (an empty note, a date that is not a date), so an allowed role gets a
400 or 409 and the shared world is not changed for the next cell; where Rasa would be
called, it is not configured, so an allowed role gets the 502 that says so.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import alert_body
from tests.backend.concerns.support import concern_body
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD, csrf_from
from tests.helpers import sqlite_rows

LOGIN = "login"  # 303 to /staff/login: no session, so the page asks who you are
ROLES = ("manager", "other_manager", "officer", "lead", "auditor", "nobody", "service")
ACCOUNTS = {
    "manager": ("manager", ("home-1",)),  # the manager of the home everything below happened in
    "other_manager": ("manager", ("home-2",)),
    "officer": ("complaints_officer", ()),
    "lead": ("safeguarding_lead", ()),
    "auditor": ("auditor", ()),
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the router's template; {names} are filled from the world
    what: str  # which object, when the answer depends on it
    manager: int | str
    other_manager: int | str
    officer: int | str
    lead: int | str
    auditor: int | str
    nobody: int | str
    service: int | str

    def expected(self, role: str) -> int | str:
        return getattr(self, role)


R = Row
# The objects, all in home-1: "case" and "conduct case" (a complaint flagged as staff conduct);
# "alert", "conduct alert" (filed as staff conduct), "same talk" (another alert from the conduct
# alert's conversation), "live handoff" (the manager of home-1 is talking with the child);
# "concern", "conduct concern", and "raised" / "conduct raised" (already turned into an alert).
# fmt: off
#   method  path                                            object            mgr  other offcr lead audit nobody service
MATRIX = [
    R("GET",  "/health",                                     "",               200, 200, 200, 200, 200, 200, 200),
    R("GET",  "/api/openapi.json",                           "",               200, 200, 200, 200, 200, 200, 200),
    # The JSON API: the action server's token for what the child sends; HTTP Basic for staff reads.
    R("POST", "/api/v1/submissions",                         "",               401, 401, 401, 401, 401, 401, 201),
    R("GET",  "/api/v1/submissions",                         "",               200, 200, 200, 403, 200, 401, 401),
    R("GET",  "/api/v1/submissions/{reference}",             "case",           200, 404, 200, 403, 200, 401, 401),
    R("GET",  "/api/v1/submissions/{reference}",             "conduct case",   404, 404, 200, 403, 404, 401, 401),
    R("POST", "/api/v1/status",                              "",               401, 401, 401, 401, 401, 401, 404),
    R("POST", "/api/v1/status/next-stage",                   "",               401, 401, 401, 401, 401, 401, 404),
    R("POST", "/api/v1/advocacy-requests",                   "",               401, 401, 401, 401, 401, 401, 201),
    R("POST", "/api/v1/alerts",                              "",               401, 401, 401, 401, 401, 401, 201),
    R("POST", "/api/v1/concerns",                            "",               401, 401, 401, 401, 401, 401, 201),
    # Staff pages anyone may reach.
    R("GET",  "/staff/static",                               "staff.css",      200, 200, 200, 200, 200, 200, 200),
    R("GET",  "/staff",                                      "",               303, 303, 303, 303, 303, 303, 303),
    R("GET",  "/staff/",                                     "",               303, 303, 303, 303, 303, 303, 303),
    R("GET",  "/staff/login",                                "",               303, 303, 303, 303, 303, 200, 200),
    R("POST", "/staff/login",                                "wrong password", 401, 401, 401, 401, 401, 401, 401),
    # Cases: the manager's own homes; staff-conduct cases never to the manager (nor the auditor);
    # the safeguarding lead only those.
    R("GET",  "/staff/cases",                                "",               200, 200, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/cases/new",                            "",               200, 200, 200, 403, 403, LOGIN, LOGIN),
    R("POST", "/staff/cases/new",                            "",               400, 400, 400, 403, 403, LOGIN, LOGIN),
    R("GET",  "/staff/cases/{reference}",                    "case",           200, 404, 200, 404, 200, LOGIN, LOGIN),
    R("GET",  "/staff/cases/{reference}",                    "conduct case",   404, 404, 200, 200, 404, LOGIN, LOGIN),
    R("POST", "/staff/cases/{reference}/{action}",           "case",           400, 404, 400, 403, 403, LOGIN, LOGIN),
    R("POST", "/staff/cases/{reference}/{action}",           "conduct case",   404, 404, 400, 403, 403, LOGIN, LOGIN),
    R("GET",  "/staff/feedback",                             "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("GET",  "/staff/reports",                              "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("GET",  "/staff/reports.pdf",                          "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("GET",  "/staff/reports.csv",                          "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("GET",  "/staff/audit",                                "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("GET",  "/staff/homes",                                "",               200, 200, 200, 403, 200, LOGIN, LOGIN),
    R("POST", "/staff/homes",                                "",               403, 403, 400, 403, 403, LOGIN, LOGIN),
    R("POST", "/staff/homes/{code}/managers",                "",               403, 403, 400, 403, 403, LOGIN, LOGIN),
    # Safeguarding alerts: a staff-conduct alert (and the rest of its conversation) never to the manager.
    R("GET",  "/staff/alerts",                               "",               200, 200, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/stream",                        "",               200, 200, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}",                    "alert",          200, 404, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}",                    "conduct alert",  404, 404, 200, 200, 404, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}",                    "same talk",      404, 404, 200, 200, 404, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/acknowledge",        "alert",          303, 404, 303, 303, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/acknowledge",        "conduct alert",  404, 404, 303, 303, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/close",              "alert",          400, 404, 400, 400, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/close",              "conduct alert",  404, 404, 400, 400, 403, LOGIN, LOGIN),
    # The handoff: the conversation is read only by the one who joined (the manager here), while live.
    R("POST", "/staff/alerts/{alert_id}/handoff/join",       "alert",          502, 404, 502, 502, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/handoff/join",       "conduct alert",  404, 404, 502, 502, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/handoff/join",       "live handoff",   303, 404, 409, 409, 403, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}/handoff",            "live handoff",   200, 404, 403, 403, 403, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}/handoff",            "alert",          403, 404, 403, 403, 403, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}/handoff/messages",   "live handoff",   502, 404, 403, 403, 403, LOGIN, LOGIN),
    R("GET",  "/staff/alerts/{alert_id}/handoff/messages",   "alert",          403, 404, 403, 403, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/handoff/send",       "live handoff",   400, 404, 400, 400, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/handoff/leave",      "live handoff",   502, 404, 403, 502, 403, LOGIN, LOGIN),
    R("POST", "/staff/alerts/{alert_id}/handoff/leave",      "alert",          303, 404, 303, 303, 403, LOGIN, LOGIN),
    # Safeguarding concerns: the same rules.
    R("GET",  "/staff/concerns",                             "",               200, 200, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/concerns/{concern_id}",                "concern",        200, 404, 200, 200, 200, LOGIN, LOGIN),
    R("GET",  "/staff/concerns/{concern_id}",                "conduct concern", 404, 404, 200, 200, 404, LOGIN, LOGIN),
    R("POST", "/staff/concerns/{concern_id}/close",          "concern",        400, 404, 400, 400, 403, LOGIN, LOGIN),
    R("POST", "/staff/concerns/{concern_id}/close",          "conduct concern", 404, 404, 400, 400, 403, LOGIN, LOGIN),
    R("POST", "/staff/concerns/{concern_id}/alert",          "raised",         409, 404, 409, 409, 403, LOGIN, LOGIN),
    R("POST", "/staff/concerns/{concern_id}/alert",          "conduct raised", 404, 404, 409, 409, 403, LOGIN, LOGIN),
    # Last: it ends each session (and, logged in or not, sends you to the login page).
    R("POST", "/staff/logout",                               "",               LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN,
      LOGIN),
]
# fmt: on


def _route_keys(app: web.Application) -> set[tuple[str, str]]:
    """(method, path template) of every route; HEAD goes with its GET."""
    keys = set()
    for route in app.router.routes():
        if route.method != "HEAD":
            keys.add((route.method, route.resource.canonical if route.resource else ""))
    return keys


def test_every_route_has_a_row(settings: Settings) -> None:
    routes = _route_keys(create_app(settings))
    rows = {(row.method, row.path) for row in MATRIX}
    assert routes - rows == set(), "routes without a row in the authorisation matrix"
    assert rows - routes == set(), "rows for routes the app does not have"


@dataclass
class World:
    """The objects the rows name (references and ids), and how a row's path is filled in."""

    ids: dict[str, Any]

    def path(self, row: Row) -> str:
        if row.path == "/staff/static":
            return "/staff/static/" + row.what
        values = {
            "reference": self.ids.get(row.what, ""),
            "action": "acknowledge",
            "code": "home-1",
            "alert_id": self.ids.get(row.what, ""),
            "concern_id": self.ids.get(row.what, ""),
        }
        return row.path.format(**values)


async def _json(session: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = await session.post(path, json=body, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


async def _build_world(service: aiohttp.ClientSession) -> World:
    """Everything is created the way the action server creates it, through the API."""
    ids: dict[str, Any] = {}
    case = {"kind": "complaint", "what_happened": "They took my phone", "anonymous": True, "home": "home-1"}
    ids["case"] = (await _json(service, "/api/v1/submissions", case))["reference"]
    conduct = {**case, "what_happened": "A member of staff pushed me", "staff_conduct": True}
    ids["conduct case"] = (await _json(service, "/api/v1/submissions", conduct))["reference"]
    ids["alert"] = (await _json(service, "/api/v1/alerts", alert_body("m-alert-0001", conversation_id="c-1")))[
        "alert_id"
    ]
    conduct_alert = alert_body("m-alert-0002", conversation_id="c-2", category="staff_conduct")
    ids["conduct alert"] = (await _json(service, "/api/v1/alerts", conduct_alert))["alert_id"]
    same_talk = alert_body("m-alert-0003", conversation_id="c-2", category="physical_abuse")
    ids["same talk"] = (await _json(service, "/api/v1/alerts", same_talk))["alert_id"]
    ids["live handoff"] = (await _json(service, "/api/v1/alerts", alert_body("m-alert-0004", conversation_id="c-3")))[
        "alert_id"
    ]
    ids["concern"] = (await _json(service, "/api/v1/concerns", concern_body("m-concern-01", conversation_id="c-4")))[
        "concern_id"
    ]
    conduct_concern = concern_body("m-concern-02", conversation_id="c-5", category="staff_conduct")
    ids["conduct concern"] = (await _json(service, "/api/v1/concerns", conduct_concern))["concern_id"]
    ids["raised"] = (await _json(service, "/api/v1/concerns", concern_body("m-concern-03", conversation_id="c-6")))[
        "concern_id"
    ]
    conduct_escalated = concern_body("m-concern-04", conversation_id="c-7", category="staff_conduct")
    ids["conduct raised"] = (await _json(service, "/api/v1/concerns", conduct_escalated))["concern_id"]
    # The child's "yes" turned those two concerns into alerts already.
    for key, conversation in (("m-concern-03", "c-6"), ("m-concern-04", "c-7")):
        alert = alert_body(f"m-alert-{key}", conversation_id=conversation, concern_key=key)
        await _json(service, "/api/v1/alerts", alert)
    return World(ids)


async def _join_live_handoff(settings: Settings, world: World) -> None:
    """The manager of home-1 is talking with the child in conversation c-3 (Rasa's side is not needed)."""
    path = settings.database_url.split(":///", 1)[1]
    ((manager_id,),) = sqlite_rows(path, "SELECT id FROM staff_users WHERE username = 'manager'")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE alerts SET handoff_by_id = ?, handoff_by_name = 'the home manager', status = 'acknowledged' "
            "WHERE id = ?",
            (manager_id, world.ids["live handoff"]),
        )


def _client(server: TestServer) -> aiohttp.ClientSession:
    """One browser (its own cookies) per role."""
    return aiohttp.ClientSession(base_url=server.make_url(""), cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _login(session: aiohttp.ClientSession, username: str) -> str:
    token = csrf_from(await (await session.get("/staff/login")).text())
    resp = await session.post(
        "/staff/login",
        data={"username": username, "password": STAFF_PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303, await resp.text()
    # Every role may read the alerts page; its log-out form carries the session's token.
    return csrf_from(await (await session.get("/staff/alerts")).text())


def _basic(username: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{STAFF_PASSWORD}".encode()).decode()}


def _body(row: Row, role: str, csrf: str) -> dict[str, Any]:
    if row.path == "/api/v1/submissions":
        return {"json": {"kind": "comment", "what_happened": "More fruit please", "anonymous": True, "home": "home-1"}}
    if row.path in {"/api/v1/status", "/api/v1/status/next-stage"}:
        return {"json": {"reference": "CMP-2222-22", "access_code": "ABCDEF"}}
    if row.path == "/api/v1/advocacy-requests":
        return {"json": {"home": "home-1", "anonymous": True, "consent_to_share": False}}
    if row.path == "/api/v1/alerts":
        return {"json": alert_body(f"m-new-alert-{role}", conversation_id=f"new-{role}")}
    if row.path == "/api/v1/concerns":
        return {"json": concern_body(f"m-new-concern-{role}", conversation_id=f"new-c-{role}")}
    form = {"csrf_token": csrf}
    if row.path == "/staff/login":
        form.update(username=f"nobody-{role}", password="not the password")
    elif row.path.endswith("/{action}"):
        form["on"] = "not a date"
    elif row.path == "/staff/homes":
        form.update(code="not a code!", name="x")
    elif row.path.endswith("/managers"):
        form["username"] = "no-such-manager"
    return {"data": form}


async def _answer(session: aiohttp.ClientSession, row: Row, role: str, world: World, csrf: str) -> int | str:
    headers: dict[str, str] = {}
    if row.path.startswith("/api/"):
        if role == "service":
            headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
        elif role in ACCOUNTS:
            headers.update(_basic(role))
    elif role == "service":
        headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"  # the token means nothing on staff pages
    kwargs = _body(row, role, csrf) if row.method == "POST" else {}
    # Only the status line is read (the live alert stream never ends); leaving the block closes it.
    async with session.request(row.method, world.path(row), headers=headers, allow_redirects=False, **kwargs) as resp:
        if resp.status == 303 and resp.headers.get("Location", "").startswith("/staff/login"):
            return LOGIN
        return resp.status


@pytest.fixture
def matrix_settings(settings: Settings) -> Settings:
    # Rasa is not configured: a handoff call by an allowed role is answered 502 with the reason.
    return replace(settings, safeguarding=replace(settings.safeguarding, rasa_token=""))


async def test_each_role_gets_the_answer_in_the_matrix(
    matrix_settings: Settings,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    server = await aiohttp_server(create_app(matrix_settings))
    for username, (role, homes) in ACCOUNTS.items():
        await make_staff(username, role, homes=homes)
    sessions = {role: _client(server) for role in ROLES}
    try:
        world = await _build_world(sessions["service"])
        await _join_live_handoff(matrix_settings, world)
        csrf = {role: await _login(sessions[role], role) for role in ACCOUNTS}
        for role in ("nobody", "service"):  # a visitor's form token: the login page's
            csrf[role] = csrf_from(await (await sessions[role].get("/staff/login")).text())
        wrong = []
        for row in MATRIX:
            for role in ROLES:
                got = await _answer(sessions[role], row, role, world, csrf[role])
                if got != row.expected(role):
                    wrong.append(
                        f"{row.method} {row.path} [{row.what}] as {role}: got {got}, expected {row.expected(role)}"
                    )
        assert wrong == [], "\n".join(wrong)
    finally:
        for session in sessions.values():
            await session.close()
