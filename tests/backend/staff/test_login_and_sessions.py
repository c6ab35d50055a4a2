"""Staff login, server-side sessions, inactivity expiry and log-out."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from backend.timeutil import utcnow
from tests.backend.conftest import csrf_from, login, sql


async def test_staff_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    for path in ("/staff/cases", "/staff/cases/CMP-2222-22", "/staff/feedback", "/staff/audit", "/staff/homes"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303, path
        assert resp.headers["Location"].startswith("/staff/login?next=")


async def test_login_sets_an_httponly_samesite_strict_cookie_and_stores_only_a_hash(
    client: TestClient, settings: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("manager1", "manager", homes=("home-1",))
    page = await client.get("/staff/login")
    token = csrf_from(await page.text())
    resp = await client.post(
        "/staff/login?next=/staff/feedback",
        data={"username": "manager1", "password": "correct horse battery staple", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.status == 303
    assert resp.headers["Location"] == "/staff/feedback"
    cookie = resp.cookies["staff_session"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/staff"
    ((stored,),) = sql(settings, "SELECT token_hash FROM staff_sessions")
    assert cookie.value not in stored and len(stored) == 64


async def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("manager1", "manager")
    token = csrf_from(await (await client.get("/staff/login")).text())
    answers = []
    for username, password in (("manager1", "wrong password!"), ("nobody", "wrong password!")):
        resp = await client.post("/staff/login", data={"username": username, "password": password, "csrf_token": token})
        assert resp.status == 401
        answers.append("Wrong username or password." in await resp.text())
    assert answers == [True, True]


async def test_login_is_locked_after_ten_failures_in_an_hour(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("manager1", "manager")
    token = csrf_from(await (await client.get("/staff/login")).text())
    for _ in range(10):
        await client.post("/staff/login", data={"username": "manager1", "password": "nope", "csrf_token": token})
    resp = await client.post(
        "/staff/login",
        data={"username": "manager1", "password": "correct horse battery staple", "csrf_token": token},
    )
    assert resp.status == 429


async def test_open_redirects_after_login_are_refused(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    token = csrf_from(await (await client.get("/staff/login")).text())
    resp = await client.post(
        "/staff/login?next=//evil.example/x",
        data={"username": "officer", "password": "correct horse battery staple", "csrf_token": token},
        allow_redirects=False,
    )
    assert resp.headers["Location"] == "/staff/cases"


async def test_session_expires_after_inactivity(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    client = await aiohttp_client(create_app(dataclasses.replace(settings, session_idle_minutes=30)))
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 200
    # 29 minutes idle: still in. Each request moves last_seen forward.
    sql(settings, "UPDATE staff_sessions SET last_seen_at = ?", (utcnow() - timedelta(minutes=29)).isoformat())
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 200
    # 31 minutes idle: out, and the session row is gone.
    sql(settings, "UPDATE staff_sessions SET last_seen_at = ?", (utcnow() - timedelta(minutes=31)).isoformat())
    resp = await client.get("/staff/cases", allow_redirects=False)
    assert resp.status == 303
    assert sql(settings, "SELECT COUNT(*) FROM staff_sessions") == [(0,)]
    login_page = await client.get(resp.headers["Location"])
    assert "period of inactivity" in await login_page.text()


async def test_logout_ends_the_session_on_the_server(
    client: TestClient, settings: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    csrf = await login(client, "officer")
    resp = await client.post("/staff/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303
    assert sql(settings, "SELECT COUNT(*) FROM staff_sessions") == [(0,)]
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 303


async def test_deactivated_account_loses_its_session(
    client: TestClient, settings: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    sql(settings, "UPDATE staff_users SET active = 0")
    assert (await client.get("/staff/cases", allow_redirects=False)).status == 303


async def test_staff_pages_are_not_cached_or_framed(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    resp = await client.get("/staff/cases")
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_logging_in_again_replaces_the_old_session(
    client: TestClient, settings: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    first = sql(settings, "SELECT token_hash FROM staff_sessions")
    await login(client, "officer")
    second = sql(settings, "SELECT token_hash FROM staff_sessions")
    assert len(second) == 1 and second != first
