"""The submissions API against a real SQLite file."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest
from aiohttp.test_utils import TestClient

from backend.codes import access_code_matches
from backend.config import Settings
from tests.helpers import sqlite_rows

COMPLAINT = {
    "kind": "complaint",
    "what_happened": "Staff took my phone for no reason",
    "desired_outcome": "Get my phone back",
    "anonymous": False,
    "first_name": "Sam",
    "home": "home-1",
    "conversation_id": "tablet-session-123",
}


def _rows(settings: Settings) -> list[sqlite3.Row]:
    return sqlite_rows(settings.database_url.split(":///", 1)[1], "SELECT * FROM submissions")


async def test_named_complaint_is_stored_with_reference_and_hashed_code(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    resp = await client.post("/api/v1/submissions", json=COMPLAINT, headers=service_headers)
    assert resp.status == 201
    body = await resp.json()
    assert re.fullmatch(r"CMP-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{2}", body["reference"])
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{6}", body["access_code"])
    assert body["status"] == "received"

    (row,) = _rows(settings)
    assert row["reference"] == body["reference"]
    assert row["kind"] == "complaint"
    assert row["first_name"] == "Sam"
    assert row["conversation_id"] == "tablet-session-123"
    assert row["desired_outcome"] == "Get my phone back"
    assert row["home_code"] == "home-1"
    assert body["access_code"] not in row["access_code_hash"]
    assert access_code_matches(row["access_code_hash"], body["access_code"].lower())


async def test_anonymous_submission_stores_no_name_and_no_sender_id(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    payload = {**COMPLAINT, "anonymous": True, "first_name": "Sam"}
    resp = await client.post("/api/v1/submissions", json=payload, headers=service_headers)
    assert resp.status == 201
    (row,) = _rows(settings)
    assert row["anonymous"] == 1
    assert row["first_name"] is None
    assert row["conversation_id"] is None


async def test_each_kind_gets_its_own_reference_prefix(client: TestClient, service_headers: dict[str, str]) -> None:
    prefixes = {}
    for kind in ("compliment", "comment", "complaint"):
        payload = {"kind": kind, "what_happened": "x", "anonymous": True, "home": "home-1"}
        resp = await client.post("/api/v1/submissions", json=payload, headers=service_headers)
        assert resp.status == 201
        prefixes[kind] = (await resp.json())["reference"][:3]
    assert prefixes == {"compliment": "THX", "comment": "CMT", "complaint": "CMP"}


async def test_retried_request_with_same_key_creates_one_record(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    payload = {**COMPLAINT, "idempotency_key": "abc123def456"}
    first = await (await client.post("/api/v1/submissions", json=payload, headers=service_headers)).json()
    second = await (await client.post("/api/v1/submissions", json=payload, headers=service_headers)).json()
    assert first["reference"] == second["reference"]
    (row,) = _rows(settings)
    # Only the code from the last answer works: that is the one the child saw.
    assert access_code_matches(row["access_code_hash"], second["access_code"])


async def test_the_same_key_sent_twice_at_once_still_creates_one_record(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    payload = {**COMPLAINT, "idempotency_key": "racing-key-123"}
    answers = await asyncio.gather(
        *(client.post("/api/v1/submissions", json=payload, headers=service_headers) for _ in range(2))
    )
    assert [a.status for a in answers] == [201, 201]
    first, second = [await a.json() for a in answers]
    assert first["reference"] == second["reference"]
    (row,) = _rows(settings)
    assert row["reference"] == first["reference"]


async def test_a_reference_already_taken_is_drawn_again(
    client: TestClient, service_headers: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = (await (await client.post("/api/v1/submissions", json=COMPLAINT, headers=service_headers)).json())[
        "reference"
    ]
    drawn = iter([taken, taken, "CMP-ZZZZ-ZZ"])
    monkeypatch.setattr("backend.submissions.new_reference", lambda kind: next(drawn))
    resp = await client.post("/api/v1/submissions", json=COMPLAINT, headers=service_headers)
    assert resp.status == 201
    assert (await resp.json())["reference"] == "CMP-ZZZZ-ZZ"
    assert sorted(r["reference"] for r in _rows(settings)) == sorted([taken, "CMP-ZZZZ-ZZ"])
    assert len(sqlite_rows(settings.database_url.split(":///", 1)[1], "SELECT id FROM cases")) == 2


async def test_post_without_service_token_is_refused(client: TestClient, settings: Settings) -> None:
    resp = await client.post("/api/v1/submissions", json=COMPLAINT)
    assert resp.status == 401
    assert (await resp.json())["error"] == "service token required"
    wrong = await client.post("/api/v1/submissions", json=COMPLAINT, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401
    assert _rows(settings) == []


async def test_bad_bodies_get_a_reason_not_a_crash(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    cases = [
        ({**COMPLAINT, "kind": "moan"}, "kind"),
        ({**COMPLAINT, "what_happened": "   "}, "what_happened"),
        ({**COMPLAINT, "anonymous": False, "first_name": None}, "first_name"),
        ({**COMPLAINT, "first_name": "Sam1234"}, "first_name"),
        ({**COMPLAINT, "home": "../../etc"}, "home"),
        ({**COMPLAINT, "surprise": 1}, "surprise"),
        ({**COMPLAINT, "what_happened": "x" * 5001}, "what_happened"),
        ({k: v for k, v in COMPLAINT.items() if k != "anonymous"}, "anonymous"),
    ]
    for payload, field in cases:
        resp = await client.post("/api/v1/submissions", json=payload, headers=service_headers)
        assert resp.status == 422, payload
        body = await resp.json()
        assert body["error"] == "validation failed"
        assert field in str(body["detail"]), (field, body)
    assert _rows(settings) == []


async def test_malformed_json_and_wrong_content_type_are_4xx(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    headers = {**service_headers, "Content-Type": "application/json"}
    resp = await client.post("/api/v1/submissions", data=b"{not json", headers=headers)
    assert resp.status == 422
    resp = await client.post("/api/v1/submissions", data=b"[]", headers=headers)
    assert resp.status == 422
    resp = await client.post(
        "/api/v1/submissions",
        data=b"kind=complaint",
        headers={**service_headers, "Content-Type": "text/plain"},
    )
    assert resp.status == 415
    resp = await client.post("/api/v1/submissions", data=b"x" * 300_000, headers=headers)
    assert 400 <= resp.status < 500


async def test_staff_reads_need_a_staff_credential(
    client: TestClient, service_headers: dict[str, str], staff_headers: dict[str, str]
) -> None:
    created = await (await client.post("/api/v1/submissions", json=COMPLAINT, headers=service_headers)).json()
    assert (await client.get("/api/v1/submissions")).status == 401
    # The service token is for writing, not for reading children's words.
    assert (await client.get("/api/v1/submissions", headers=service_headers)).status == 401
    resp = await client.get("/api/v1/submissions", headers=staff_headers)
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [i["reference"] for i in items] == [created["reference"]]
    assert "access_code_hash" not in items[0]

    one = await client.get(f"/api/v1/submissions/{created['reference']}", headers=staff_headers)
    assert one.status == 200
    assert (await one.json())["what_happened"] == COMPLAINT["what_happened"]
    missing = await client.get("/api/v1/submissions/CMP-0000-00", headers=staff_headers)
    assert missing.status == 404


async def test_wrong_staff_password_is_refused(client: TestClient, staff_headers: dict[str, str]) -> None:
    import base64

    bad = base64.b64encode(b"officer1:wrong").decode()
    assert (await client.get("/api/v1/submissions", headers={"Authorization": f"Basic {bad}"})).status == 401
    assert (await client.get("/api/v1/submissions", headers={"Authorization": "Basic !!!"})).status == 401


async def test_a_manager_reads_only_their_own_homes_through_the_api(
    client: TestClient, service_headers: dict[str, str], make_staff
) -> None:
    import base64

    from tests.backend.conftest import STAFF_PASSWORD

    await make_staff("oak_manager", "manager", homes=("oak-house",))
    await make_staff("lead1", "safeguarding_lead")
    ours = await (
        await client.post("/api/v1/submissions", json={**COMPLAINT, "home": "oak-house"}, headers=service_headers)
    ).json()
    theirs = await (await client.post("/api/v1/submissions", json=COMPLAINT, headers=service_headers)).json()

    def basic(user: str) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{STAFF_PASSWORD}".encode()).decode()}

    listed = await (await client.get("/api/v1/submissions", headers=basic("oak_manager"))).json()
    assert [i["reference"] for i in listed["items"]] == [ours["reference"]]
    other = await client.get(f"/api/v1/submissions/{theirs['reference']}", headers=basic("oak_manager"))
    assert other.status == 404
    assert (await client.get("/api/v1/submissions", headers=basic("lead1"))).status == 403
