"""POST /api/v1/status/next-stage: "I'm not happy with the answer" from the chat (real database, real HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.api.next_stage_pass import PASS_MINUTES, issue_pass
from backend.api.status import why_not
from backend.casework.models import Case
from backend.casework.service import CHILD_ACTOR
from backend.casework.timescales import NEXT_STAGE_REQUEST_DAYS
from backend.models import Submission
from backend.timeutil import utcnow
from tests.backend.api.casework_steps import (
    answer_stage1,
    answer_stage2,
    case_and_events,
    received_days_ago,
)
from tests.backend.conftest import SERVICE_TOKEN, submit

URL = "/api/v1/status/next-stage"


@pytest.fixture
async def officer(make_staff: Callable[..., Awaitable[object]]) -> None:
    await make_staff("officer", "complaints_officer")


async def ask(client: TestClient, headers: dict[str, str], reference: str, **proof: str):
    return await client.post(URL, json={"reference": reference, **proof}, headers=headers)


async def status(client: TestClient, headers: dict[str, str], created: dict) -> dict:
    body = {"reference": created["reference"], "access_code": created["access_code"]}
    resp = await client.post("/api/v1/status", json=body, headers=headers)
    assert resp.status == 200
    return await resp.json()


@pytest.mark.parametrize("anonymous", [True, False])
async def test_with_the_code_after_the_stage1_answer_asks_for_stage2_as_the_child(
    anonymous: bool, client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers, anonymous=anonymous, first_name=None if anonymous else "Sam")
    await answer_stage1(db, created["reference"])
    resp = await ask(client, service_headers, created["reference"].lower(), access_code=created["access_code"])
    assert resp.status == 200
    body = await resp.json()
    assert body["asked_for"] == "stage2"
    assert body["anonymous"] is anonymous
    assert body["first_name"] == (None if anonymous else "Sam")
    assert body["stage_for_child"] == "You asked for someone else to look at your complaint."
    assert body["next_step_for_child"].startswith("Someone will talk with you soon")
    assert body["next_stage"] is None and body["next_stage_pass"] is None
    case, events = await case_and_events(db, created["reference"])
    assert case.state == "stage2_requested"
    (asked,) = [e for e in events if e.action == "request_stage2"]
    assert asked.actor_username == CHILD_ACTOR and asked.actor_id is None


async def test_the_pass_from_the_status_answer_asks_without_the_code_once(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers)
    await answer_stage1(db, created["reference"])
    token = (await status(client, service_headers, created))["next_stage_pass"]
    first = await ask(client, service_headers, created["reference"], next_stage_pass=token)
    assert first.status == 200
    assert (await first.json())["asked_for"] == "stage2"
    # A second tap: already asked, so nothing more is recorded, and the child is told where it is.
    again = await ask(client, service_headers, created["reference"], next_stage_pass=token)
    assert again.status == 409
    refused = await again.json()
    assert refused["why"] == "already_asked"
    assert refused["status"]["stage_for_child"] == "You asked for someone else to look at your complaint."
    _, events = await case_and_events(db, created["reference"])
    assert [e.action for e in events].count("request_stage2") == 1


async def test_two_taps_at_the_same_instant_record_one_request(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers)
    await answer_stage1(db, created["reference"])
    proof = {"access_code": created["access_code"]}
    taps = await asyncio.gather(*(ask(client, service_headers, created["reference"], **proof) for _ in range(2)))
    assert sorted(t.status for t in taps) == [200, 409]
    (refused,) = [await t.json() for t in taps if t.status == 409]
    assert refused["why"] == "already_asked"
    case, events = await case_and_events(db, created["reference"])
    assert case.state == "stage2_requested"
    assert [e.action for e in events].count("request_stage2") == 1


async def test_after_the_stage2_answer_the_child_can_ask_for_a_review_panel(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers)
    await answer_stage1(db, created["reference"])
    assert (await ask(client, service_headers, created["reference"], access_code=created["access_code"])).status == 200
    await answer_stage2(db, created["reference"])
    seen = await status(client, service_headers, created)
    assert seen["outcome_for_child"] == "They did not agree with your complaint this time."
    assert seen["next_stage"] == "stage3"
    resp = await ask(client, service_headers, created["reference"], next_stage_pass=seen["next_stage_pass"])
    body = await resp.json()
    assert body["asked_for"] == "stage3"
    assert body["due_date"] is not None  # the panel's date
    case, _ = await case_and_events(db, created["reference"])
    assert case.state == "stage3_requested"


async def test_before_any_answer_the_child_is_told_where_it_is_and_nothing_is_recorded(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    created = await submit(client, service_headers)
    resp = await ask(client, service_headers, created["reference"], access_code=created["access_code"])
    assert resp.status == 409
    body = await resp.json()
    assert body["error"] == "not now"
    assert body["why"] == "not_answered"
    assert body["status"]["stage_for_child"] == "We have got your complaint. The manager will read it soon."
    assert body["status"]["next_stage"] is None
    case, events = await case_and_events(db, created["reference"])
    assert case.state == "received" and events == []


async def test_long_after_the_answer_it_is_for_staff_to_decide(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers)
    day = await received_days_ago(db, created["reference"], NEXT_STAGE_REQUEST_DAYS + 5)
    await answer_stage1(db, created["reference"], on=day)
    seen = await status(client, service_headers, created)
    assert seen["next_stage"] is None and seen["next_stage_why_not"] == "too_late"
    resp = await ask(client, service_headers, created["reference"], access_code=created["access_code"])
    assert resp.status == 409
    assert (await resp.json())["why"] == "too_late"
    case, _ = await case_and_events(db, created["reference"])
    assert case.state == "stage1_responded"


async def test_a_comment_has_no_next_stage(client: TestClient, service_headers: dict[str, str]) -> None:
    created = await submit(client, service_headers, kind="comment")
    resp = await ask(client, service_headers, created["reference"], access_code=created["access_code"])
    assert resp.status == 409
    assert (await resp.json())["why"] == "not_a_complaint"
    assert (await resp.json())["status"]["kind"] == "comment"


async def test_wrong_code_unknown_reference_and_bad_passes_look_the_same(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created, other = await submit(client, service_headers), await submit(client, service_headers)
    await answer_stage1(db, created["reference"])
    await answer_stage1(db, other["reference"])
    token = (await status(client, service_headers, created))["next_stage_pass"]
    stage, expires, signature = token.split(".")
    altered = f"{stage}.{int(expires) + 9999}.{signature}"
    run_out = issue_pass(SERVICE_TOKEN, created["reference"], "stage2", utcnow() - timedelta(minutes=PASS_MINUTES + 1))
    answers = [
        await ask(client, service_headers, created["reference"], access_code="ZZZZZZ"),
        await ask(client, service_headers, "CMP-2222-22", access_code="ZZZZZZ"),
        # Another child's reference with this child's pass, an altered pass, one that has run out.
        await ask(client, service_headers, other["reference"], next_stage_pass=token),
        await ask(client, service_headers, created["reference"], next_stage_pass=altered),
        await ask(client, service_headers, created["reference"], next_stage_pass=run_out),
    ]
    assert {a.status for a in answers} == {404}
    assert len({str(await a.json()) for a in answers}) == 1
    for reference in (created["reference"], other["reference"]):
        case, _ = await case_and_events(db, reference)
        assert case.state == "stage1_responded"


async def test_wrong_tries_are_counted_with_the_status_check(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, officer: None
) -> None:
    created = await submit(client, service_headers)
    await answer_stage1(db, created["reference"])
    for _ in range(3):
        wrong = {"reference": created["reference"], "access_code": "WRONG2"}
        assert (await client.post("/api/v1/status", json=wrong, headers=service_headers)).status == 404
    for _ in range(2):
        assert (await ask(client, service_headers, created["reference"], next_stage_pass="stage2.1.ab")).status == 404
    blocked = await ask(client, service_headers, created["reference"], access_code=created["access_code"])
    assert blocked.status == 429
    case, _ = await case_and_events(db, created["reference"])
    assert case.state == "stage1_responded"


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "CMP-2222-22"},
        {"reference": "CMP-2222-22", "access_code": "AAAAAA", "next_stage_pass": "stage2.1.ab"},
        {"reference": "CMP-2222-22", "access_code": None},
        {"reference": "CMP-2222-22", "access_code": "AAAAAA", "kind": "complaint"},
    ],
)
async def test_exactly_one_proof_and_nothing_else(
    body: dict, client: TestClient, service_headers: dict[str, str]
) -> None:
    assert (await client.post(URL, json=body, headers=service_headers)).status == 422


async def test_needs_the_service_token(client: TestClient) -> None:
    resp = await client.post(URL, json={"reference": "CMP-2222-22", "access_code": "AAAAAA"})
    assert resp.status == 401


@pytest.mark.parametrize(
    ("kind", "state", "why"),
    [
        ("comment", "received", "not_a_complaint"),
        ("complaint", "received", "not_answered"),
        ("complaint", "informal", "not_answered"),
        ("complaint", "stage1", "not_answered"),
        ("complaint", "stage1_responded", "too_late"),
        ("complaint", "stage2_requested", "already_asked"),
        ("complaint", "stage2", "already_asked"),
        ("complaint", "stage2_responded", "too_late"),
        ("complaint", "stage3_reported", "already_asked"),
        ("complaint", "stage3_responded", "finished"),
        ("complaint", "closed", "finished"),
    ],
)
def test_why_the_child_cannot_ask_now(kind: str, state: str, why: str) -> None:
    assert why_not(Case(state=state, submission=Submission(kind=kind))) == why
