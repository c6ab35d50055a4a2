"""Off loopback the staff pages need TLS: Secure cookies by default, plain-HTTP staff requests refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD, csrf_from

HTTPS = {"X-Forwarded-Proto": "https"}
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - the setting under test, nothing binds here


def _env(**extra: str) -> dict[str, str]:
    return {"SERVICE_TOKEN": SERVICE_TOKEN, **extra}


@pytest.mark.parametrize(
    ("host", "setting", "secure"),
    [
        ("127.0.0.1", "", False),  # the default: loopback, plain HTTP for a local try-out
        ("::1", "", False),
        ("localhost", "", False),
        (EVERY_INTERFACE, "", True),  # reachable from the home's Wi-Fi: Secure unless told otherwise
        ("192.168.1.20", "", True),
        ("::", "", True),
        ("staff.example.org", "", True),
        ("127.0.0.1", "1", True),  # behind a TLS-terminating proxy on the same machine
        ("127.0.0.1", "0", False),
        (EVERY_INTERFACE, "true", True),
    ],
)
def test_secure_cookies_follow_the_bind_address(host: str, setting: str, secure: bool) -> None:
    env = _env(BACKEND_HOST=host, **({"COOKIE_SECURE": setting} if setting else {}))
    assert Settings.from_env(env).cookie_secure is secure


@pytest.mark.parametrize("host", [EVERY_INTERFACE, "10.0.0.5"])
def test_turning_secure_cookies_off_is_refused_off_loopback(host: str) -> None:
    with pytest.raises(RuntimeError, match="need TLS"):
        Settings.from_env(_env(BACKEND_HOST=host, COOKIE_SECURE="0"))


def test_a_typo_in_the_setting_stops_start_up() -> None:
    with pytest.raises(RuntimeError, match="COOKIE_SECURE"):
        Settings.from_env(_env(COOKIE_SECURE="maybe"))


@pytest.fixture
async def tls_client(settings: Settings, aiohttp_client: Callable[..., Awaitable[TestClient]]) -> TestClient:
    return await aiohttp_client(create_app(dataclasses.replace(settings, host=EVERY_INTERFACE, cookie_secure=True)))


async def test_plain_http_staff_pages_are_refused_with_a_reason(tls_client: TestClient) -> None:
    for path in ("/staff/login", "/staff/cases", "/staff/alerts"):
        resp = await tls_client.get(path, allow_redirects=False)
        assert resp.status == 403, path
        assert "staff pages need HTTPS here" in await resp.text()
        assert "Set-Cookie" not in resp.headers


async def test_over_https_the_session_and_login_cookies_are_secure(
    tls_client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    page = await tls_client.get("/staff/login", headers=HTTPS)
    assert page.status == 200
    assert "Secure" in page.headers["Set-Cookie"]  # the login form's CSRF cookie
    token = csrf_from(await page.text())
    # The test client speaks plain HTTP (the proxy's side), so it holds back Secure cookies: send it as a browser would.
    resp = await tls_client.post(
        "/staff/login",
        data={"username": "officer", "password": STAFF_PASSWORD, "csrf_token": token},
        headers={**HTTPS, "Cookie": f"staff_login_csrf={token}"},
        allow_redirects=False,
    )
    assert resp.status == 303
    cookie = resp.cookies["staff_session"]
    assert cookie["secure"] is True and cookie["httponly"] is True
