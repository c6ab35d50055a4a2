"""Login throttling as an attacker meets it: the staff form and HTTP Basic on the API.

Addresses are set the way a real reverse proxy sets them (X-Forwarded-For from a trusted
proxy at 127.0.0.1); a separate test shows the header counts for nothing from anyone else.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

import backend.auth
from backend.app import create_app
from backend.config import Settings
from backend.throttle.rules import ACCOUNT_FREE_TRIES, ADDRESS_LIMIT, DEVICE_COOKIE, DEVICE_LIMIT
from tests.backend.conftest import STAFF_PASSWORD, csrf_from

Client = Callable[..., Awaitable[TestClient]]
LEAD_HOME = "198.51.100.7"
ATTACKER = "203.0.113.9"


@pytest.fixture
def proxied(settings: Settings) -> Settings:
    return dataclasses.replace(settings, trusted_proxies=frozenset({"127.0.0.1"}))


@pytest.fixture
async def client(proxied: Settings, aiohttp_client: Client) -> TestClient:
    return await aiohttp_client(create_app(proxied))


def _db(settings: Settings) -> Path:
    return Path(settings.database_url.split(":///", 1)[1])


async def _login(
    client: TestClient, username: str, password: str, address: str, *, browser: dict[str, str] | None = None
) -> ClientResponse:
    """One try through the real form from `address`; `browser` None: a fresh browser with no cookies."""
    client.session.cookie_jar.clear()
    if browser:
        client.session.cookie_jar.update_cookies(browser, client.make_url("/staff/"))
    page = await client.get("/staff/login", headers={"X-Forwarded-For": address})
    token = csrf_from(await page.text())
    return await client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
    )


async def _fill_address(client: TestClient, address: str) -> None:
    """ADDRESS_LIMIT wrong passwords from one address, each for a different name (none is slowed)."""
    for n in range(ADDRESS_LIMIT):
        assert (await _login(client, f"name-{n}", "guess guess", address)).status == 401


def _basic(username: str, password: str, address: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Forwarded-For": address}


async def test_guessing_the_leads_name_locks_the_guessers_address_never_the_lead(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("lead", "safeguarding_lead")
    assert (await _login(client, "lead", STAFF_PASSWORD, LEAD_HOME)).status == 303
    for n in range(ADDRESS_LIMIT):
        name = "lead" if n < ACCOUNT_FREE_TRIES else f"lead{n}"  # her name, then names like it
        assert (await _login(client, name, "guess guess guess", ATTACKER)).status == 401
    locked = await _login(client, "lead", STAFF_PASSWORD, ATTACKER)
    assert locked.status == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "Too many wrong passwords from this network address" in await locked.text()
    # The same address trying another account is locked too: it is the address that is locked.
    assert (await _login(client, "someone-else", "guess", ATTACKER)).status == 429
    # The lead, from her own address, in a fresh browser, with the right password: in at once.
    assert (await _login(client, "lead", STAFF_PASSWORD, LEAD_HOME)).status == 303


async def test_guesses_from_many_addresses_slow_the_account_but_never_lock_it(
    client: TestClient, proxied: Settings, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("lead", "safeguarding_lead")
    assert (await _login(client, "lead", STAFF_PASSWORD, LEAD_HOME)).status == 303
    for n in range(ACCOUNT_FREE_TRIES):
        assert (await _login(client, "lead", "guess guess", f"203.0.113.{n + 1}")).status == 401
    slowed = await _login(client, "lead", "guess guess", "203.0.113.99")
    assert slowed.status == 429
    assert 0 < int(slowed.headers["Retry-After"]) <= 10
    assert "each new try has to wait" in await slowed.text()
    # Unknown names are slowed the same way, so the answer does not say which names exist.
    for n in range(ACCOUNT_FREE_TRIES):
        await _login(client, "nobody", "guess guess", f"192.0.2.{n + 1}")
    assert (await _login(client, "nobody", "guess guess", "192.0.2.99")).status == 429
    # Her own address is never kept waiting.
    assert (await _login(client, "lead", STAFF_PASSWORD, LEAD_HOME)).status == 303
    # A new address is only slowed: once the delay has passed it gets its try.
    assert (await _login(client, "lead", STAFF_PASSWORD, "100.64.0.1")).status == 429
    with sqlite3.connect(_db(proxied)) as conn:
        conn.execute("UPDATE failed_attempts SET at = datetime(at, '-10 minutes')")
    assert (await _login(client, "lead", STAFF_PASSWORD, "100.64.0.1")).status == 303


async def test_a_browser_that_logged_in_before_gets_in_when_its_shared_address_is_locked(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    shared = "192.0.2.50"  # the home's one public address: staff office and children's tablet alike
    await make_staff("manager", "manager", homes=("home-1",))
    first = await _login(client, "manager", STAFF_PASSWORD, shared)
    assert first.status == 303
    cookie = first.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/staff"
    her_browser = {DEVICE_COOKIE: cookie.value}
    # Her address is trusted for her account, so only the address lock stops these.
    for _ in range(ADDRESS_LIMIT):
        assert (await _login(client, "manager", "guess guess", shared)).status == 401
    assert (await _login(client, "manager", STAFF_PASSWORD, shared)).status == 429
    assert (await _login(client, "manager", STAFF_PASSWORD, shared, browser=her_browser)).status == 303
    # A stolen device cookie is no skeleton key: a few wrong passwords with it and it is trusted no more.
    for _ in range(DEVICE_LIMIT):
        assert (await _login(client, "manager", "guess guess", shared, browser=her_browser)).status == 401
    assert (await _login(client, "manager", STAFF_PASSWORD, shared, browser=her_browser)).status == 429


async def test_basic_auth_is_throttled_and_a_refused_try_costs_no_hash(
    client: TestClient, make_staff: Callable[..., Awaitable[object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_staff("officer", "complaints_officer")
    hashed: list[str] = []
    real = backend.auth.password_matches

    def counting(password_hash: str, password: str) -> bool:
        hashed.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(backend.auth, "password_matches", counting)
    own = {"headers": _basic("officer", STAFF_PASSWORD, "198.51.100.20")}
    assert (await client.get("/api/v1/submissions", **own)).status == 200
    hashed.clear()
    for n in range(ADDRESS_LIMIT):
        name = "officer" if n < ACCOUNT_FREE_TRIES else f"officer{n}"
        resp = await client.get("/api/v1/submissions", headers=_basic(name, "guess guess", ATTACKER))
        assert resp.status == 401
    assert len(hashed) == ADDRESS_LIMIT
    for password in ("guess again", STAFF_PASSWORD):
        resp = await client.get("/api/v1/submissions", headers=_basic("officer", password, ATTACKER))
        assert resp.status == 429
        assert resp.content_type == "application/json"
        assert 0 < int(resp.headers["Retry-After"]) <= 15 * 60
        assert (await resp.json())["error"] == "too many wrong passwords"
    assert len(hashed) == ADDRESS_LIMIT  # refused before hashing
    # The form and the API share the count: the form is locked for that address too.
    assert (await _login(client, "officer", STAFF_PASSWORD, ATTACKER)).status == 429
    # Her script, from where it always runs, is neither locked nor slowed.
    assert (await client.get("/api/v1/submissions", **own)).status == 200


async def test_parallel_guesses_are_all_counted(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    answers = await asyncio.gather(
        *(client.get("/api/v1/submissions", headers=_basic(f"user{n}", "guess", ATTACKER)) for n in range(30))
    )
    statuses = [a.status for a in answers]
    assert statuses.count(401) <= ADDRESS_LIMIT
    assert set(statuses) == {401, 429}


async def test_the_count_is_in_the_database_and_survives_a_restart(
    client: TestClient, proxied: Settings, aiohttp_client: Client, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await _fill_address(client, ATTACKER)
    restarted = await aiohttp_client(create_app(proxied))
    assert (await _login(restarted, "officer", STAFF_PASSWORD, ATTACKER)).status == 429


async def test_x_forwarded_for_counts_for_nothing_without_a_trusted_proxy(
    settings: Settings, aiohttp_client: Client, make_staff: Callable[..., Awaitable[object]]
) -> None:
    direct = await aiohttp_client(create_app(settings))  # TRUSTED_PROXIES not set
    await make_staff("officer", "complaints_officer")
    for n in range(ADDRESS_LIMIT):
        assert (await _login(direct, f"name-{n}", "guess guess", f"10.0.0.{n}")).status == 401
    # Every "address" above was really 127.0.0.1, which is now locked.
    assert (await _login(direct, "officer", STAFF_PASSWORD, "10.0.0.200")).status == 429
