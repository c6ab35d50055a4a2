"""Oversized bodies get a 413 with a reason, with or without a Content-Length, before any handler runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp.test_utils import TestClient

from backend.config import Settings
from backend.limits import API_MAX_BYTES, FORM_MAX_BYTES
from tests.backend.conftest import csrf_from, login, submit
from tests.helpers import sqlite_rows


async def _chunked(body: bytes) -> AsyncIterator[bytes]:
    """No Content-Length: the server only learns the size by reading."""
    for start in range(0, len(body), 16 * 1024):
        yield body[start : start + 16 * 1024]


def _submission(padding: int) -> bytes:
    return json.dumps({"kind": "comment", "what_happened": "x" * padding, "anonymous": True, "home": "home-1"}).encode()


async def test_an_oversized_json_body_is_refused_with_a_reason(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    headers = {**service_headers, "Content-Type": "application/json"}
    resp = await client.post("/api/v1/submissions", data=_submission(API_MAX_BYTES), headers=headers)
    assert resp.status == 413
    body = await resp.json()
    assert body["error"] == "request body too large"
    assert str(API_MAX_BYTES) in body["detail"]


async def test_a_chunked_body_cannot_slip_past_the_api_limit(
    client: TestClient, settings: Settings, service_headers: dict[str, str]
) -> None:
    headers = {**service_headers, "Content-Type": "application/json"}
    for size in (API_MAX_BYTES + 10, FORM_MAX_BYTES * 4):
        resp = await client.post("/api/v1/submissions", data=_chunked(_submission(size)), headers=headers)
        assert resp.status == 413, size
        assert (await resp.json())["error"] == "request body too large"
    path = settings.database_url.split(":///", 1)[1]
    assert sqlite_rows(path, "SELECT COUNT(*) AS n FROM submissions")[0]["n"] == 0
    # A small chunked body still works.
    assert (await client.post("/api/v1/submissions", data=_chunked(_submission(100)), headers=headers)).status == 201


async def test_an_oversized_staff_form_gets_a_page_that_says_why(client: TestClient) -> None:
    token = csrf_from(await (await client.get("/staff/login")).text())
    form = {"username": "x", "password": "y" * FORM_MAX_BYTES, "csrf_token": token}
    for data in (form, _chunked("&".join(f"{k}={v}" for k, v in form.items()).encode())):
        resp = await client.post(
            "/staff/login", data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert resp.status == 413
        assert resp.content_type == "text/html"
        page = await resp.text()
        assert "larger than 256 KB, so nothing was saved" in page
        assert resp.headers["Cache-Control"] == "no-store"


async def test_an_oversized_case_note_saves_nothing(
    client: TestClient,
    settings: Settings,
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    await make_staff("officer", "complaints_officer")
    receipt = await submit(client, service_headers)
    csrf = await login(client, "officer")
    resp = await client.post(
        f"/staff/cases/{receipt['reference']}/acknowledge",
        data={"csrf_token": csrf, "text_sent": "z" * FORM_MAX_BYTES},
        allow_redirects=False,
    )
    assert resp.status == 413
    page = await resp.text()
    assert "nothing was saved" in page
    assert "Log out" not in page  # refused before the session was even loaded: no staff data on it
    path = settings.database_url.split(":///", 1)[1]
    assert sqlite_rows(path, "SELECT COUNT(*) AS n FROM case_events")[0]["n"] == 0
