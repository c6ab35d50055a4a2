"""POST /api/v1/advocacy-requests: stored, linked to the complaint, provider per home."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from backend.config import Settings
from tests.backend.conftest import login, submit
from tests.helpers import sqlite_rows

URL = "/api/v1/advocacy-requests"


def _rows(settings: Settings) -> list[sqlite3.Row]:
    return sqlite_rows(settings.database_url.split(":///", 1)[1], "SELECT * FROM advocacy_requests")


async def test_request_linked_to_a_complaint_is_stored_with_consent(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    created = await submit(client, service_headers, anonymous=False, first_name="Sam")
    payload = {
        "home": "home-1",
        "reference": created["reference"],
        "anonymous": False,
        "first_name": "Sam",
        "consent_to_share": True,
        "conversation_id": "tablet-1",
    }
    resp = await client.post(URL, json=payload, headers=service_headers)
    assert resp.status == 201
    body = await resp.json()
    assert body["provider_name"] == "the local advocacy service"
    assert body["linked_reference"] == created["reference"]
    assert "advocate" in body["what_happens_next"] and "see your complaint" in body["what_happens_next"]
    (row,) = _rows(settings)
    assert (row["first_name"], row["conversation_id"], row["consent_to_share"]) == ("Sam", "tablet-1", 1)


async def test_anonymous_request_without_complaint_keeps_no_name(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    payload = {
        "home": "home-1",
        "anonymous": True,
        "first_name": "Sam",
        "consent_to_share": False,
        "conversation_id": "tablet-1",
    }
    resp = await client.post(URL, json=payload, headers=service_headers)
    assert resp.status == 201
    assert (await resp.json())["linked_reference"] is None
    (row,) = _rows(settings)
    assert row["first_name"] is None and row["conversation_id"] is None and row["submission_id"] is None


async def test_the_homes_own_provider_is_used_when_configured(
    client: TestClient, service_headers: dict[str, str], make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    csrf = await login(client, "officer")
    resp = await client.post(
        "/staff/homes",
        data={
            "csrf_token": csrf,
            "code": "home-1",
            "name": "Oak House",
            "advocacy_name": "Coram Voice",
            "advocacy_phone": "0808 800 5792",
        },
        allow_redirects=False,
    )
    assert resp.status == 303
    resp = await client.post(
        URL, json={"home": "home-1", "anonymous": True, "consent_to_share": False}, headers=service_headers
    )
    body = await resp.json()
    assert (body["provider_name"], body["provider_phone"]) == ("Coram Voice", "0808 800 5792")
    other = await client.post(
        URL, json={"home": "home-2", "anonymous": True, "consent_to_share": False}, headers=service_headers
    )
    assert (await other.json())["provider_name"] == "the local advocacy service"


async def test_unknown_reference_bad_body_and_missing_token_are_refused(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    base = {"home": "home-1", "anonymous": True, "consent_to_share": True}
    unknown = await client.post(URL, json={**base, "reference": "CMP-2222-22"}, headers=service_headers)
    assert unknown.status == 404
    assert "reference" in str(await unknown.json())
    assert (await client.post(URL, json={**base, "consent_to_share": "maybe"}, headers=service_headers)).status == 422
    assert (await client.post(URL, json={**base, "home": "../x"}, headers=service_headers)).status == 422
    assert (await client.post(URL, json=base)).status == 401
    assert _rows(settings) == []


async def test_advocacy_shows_on_the_case_page_and_counts_in_the_list(
    client: TestClient, service_headers: dict[str, str], make_staff: Callable[..., Awaitable[object]]
) -> None:
    created = await submit(client, service_headers)
    await client.post(
        URL,
        json={"home": "home-1", "reference": created["reference"], "anonymous": True, "consent_to_share": False},
        headers=service_headers,
    )
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    page = await (await client.get(f"/staff/cases/{created['reference']}")).text()
    assert "Consent to share the complaint: <strong>no</strong>" in page
    listing = await (await client.get("/staff/cases")).text()
    assert 'title="1 advocacy request(s)">Advocacy</span>' in listing
    assert "<strong>1</strong> with advocacy" in listing


async def test_openapi_documents_status_and_advocacy(client: TestClient) -> None:
    spec = await (await client.get("/api/openapi.json")).json()
    assert "429" in spec["paths"]["/api/v1/status"]["post"]["responses"]
    assert spec["components"]["schemas"]["StatusAnswer"]["properties"]["next_step_for_child"]
    req = spec["components"]["schemas"]["AdvocacyRequestCreate"]
    assert set(req["required"]) == {"home", "anonymous", "consent_to_share"}
