"""Every staff form needs the CSRF token of the session (or of the login page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.backend.conftest import csrf_from, login, submit


async def test_login_without_or_with_a_wrong_token_is_refused(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    creds = {"username": "officer", "password": "correct horse battery staple"}
    assert (await client.post("/staff/login", data=creds, allow_redirects=False)).status == 403
    await client.get("/staff/login")  # sets the login CSRF cookie
    resp = await client.post("/staff/login", data={**creds, "csrf_token": "forged"}, allow_redirects=False)
    assert resp.status == 403


async def test_workflow_step_without_the_session_token_changes_nothing(
    client: TestClient, service_headers: dict[str, str], make_staff: Callable[..., Awaitable[object]]
) -> None:
    created = await submit(client, service_headers)
    await make_staff("officer", "complaints_officer")
    csrf = await login(client, "officer")
    url = f"/staff/cases/{created['reference']}/acknowledge"
    for data in ({"text_sent": "hi"}, {"text_sent": "hi", "csrf_token": csrf + "x"}):
        resp = await client.post(url, data=data, allow_redirects=False)
        assert resp.status == 403
        assert "did not come from this site" in await resp.text()
    page = await (await client.get(f"/staff/cases/{created['reference']}")).text()
    assert '<div class="state">Awaiting acknowledgement</div>' in page
    # The header works too (for pages that post with fetch()).
    resp = await client.post(url, data={"text_sent": "hi"}, headers={"X-CSRF-Token": csrf}, allow_redirects=False)
    assert resp.status == 303


async def test_another_sessions_token_does_not_work(
    client: TestClient,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    created = await submit(client, service_headers)
    await make_staff("officer", "complaints_officer")
    await make_staff("officer2", "complaints_officer")
    other_csrf = await login(client, "officer2")
    second = await aiohttp_client(client.app)
    await login(second, "officer")
    resp = await second.post(
        f"/staff/cases/{created['reference']}/acknowledge",
        data={"text_sent": "hi", "csrf_token": other_csrf},
        allow_redirects=False,
    )
    assert resp.status == 403


async def test_logout_needs_the_token(client: TestClient, make_staff: Callable[..., Awaitable[object]]) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    assert (await client.post("/staff/logout", data={}, allow_redirects=False)).status == 403
    page = await client.get("/staff/cases", allow_redirects=False)
    assert page.status == 200
    assert csrf_from(await page.text())
