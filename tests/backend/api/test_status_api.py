"""POST /api/v1/status: the child's progress check (real database, real HTTP)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.app import create_app
from backend.casework.child_view import friendly_date
from backend.config import Settings
from backend.deadlines import WorkingCalendar, local_date
from backend.ratelimit import window_words
from backend.timeutil import utcnow
from tests.backend.api.casework_steps import STAGE1_ANSWER, answer_stage1
from tests.backend.conftest import login, submit


async def check(client: TestClient, headers: dict[str, str], reference: str, code: str):
    return await client.post("/api/v1/status", json={"reference": reference, "access_code": code}, headers=headers)


async def test_right_code_gives_stage_and_due_date_in_childs_words(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    created = await submit(client, service_headers)
    resp = await check(client, service_headers, created["reference"].lower(), created["access_code"].lower())
    assert resp.status == 200
    body = await resp.json()
    today = local_date(utcnow())
    due = WorkingCalendar().add_working_days(today, 3)
    assert body == {
        "reference": created["reference"],
        "kind": "complaint",
        "stage_for_child": "We have got your complaint. The manager will read it soon.",
        "next_step_for_child": f"The manager should let you know they have got it by {friendly_date(due, today)}.",
        "due_date": due.isoformat(),
        "outcome_for_child": None,
        "response_for_child": None,
        "next_stage": None,
        "next_stage_why_not": "not_answered",
        "next_stage_pass": None,
        "anonymous": True,
    }


async def test_status_follows_the_workflow_after_staff_acknowledge(
    client: TestClient, service_headers: dict[str, str], make_staff: Callable[..., Awaitable[object]]
) -> None:
    created = await submit(client, service_headers)
    await make_staff("officer", "complaints_officer")
    csrf = await login(client, "officer")
    resp = await client.post(
        f"/staff/cases/{created['reference']}/acknowledge",
        data={"csrf_token": csrf, "text_sent": "Thank you, I am looking into it."},
        allow_redirects=False,
    )
    assert resp.status == 303
    body = await (await check(client, service_headers, created["reference"], created["access_code"])).json()
    assert body["stage_for_child"] == "The manager is looking into it."
    assert body["next_step_for_child"].startswith("You should get an answer by ")


async def test_wrong_code_and_unknown_reference_look_the_same(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    created = await submit(client, service_headers)
    wrong = await check(client, service_headers, created["reference"], "ZZZZZZ")
    unknown = await check(client, service_headers, "CMP-2222-22", "ZZZZZZ")
    assert wrong.status == unknown.status == 404
    assert await wrong.json() == await unknown.json()


async def test_sixth_try_within_an_hour_is_refused_even_with_the_right_code_and_survives_a_restart(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    created = await submit(client, service_headers)
    for _ in range(5):
        assert (await check(client, service_headers, created["reference"], "WRONG2")).status == 404
    blocked = await check(client, service_headers, created["reference"], created["access_code"])
    assert blocked.status == 429
    # The words come from ratelimit.WINDOW (one hour).
    assert "5 wrong access codes in the last hour. Try again in an hour," in (await blocked.json())["detail"]
    # A fresh process on the same database still remembers.
    restarted = await aiohttp_client(create_app(dataclasses.replace(settings)))
    assert (await check(restarted, service_headers, created["reference"], created["access_code"])).status == 429


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (timedelta(hours=1), ("hour", "an hour")),
        (timedelta(hours=2), ("2 hours", "2 hours")),
        (timedelta(minutes=1), ("minute", "a minute")),
        (timedelta(minutes=30), ("30 minutes", "30 minutes")),
    ],
)
def test_the_refusal_says_the_window_it_counts_over(window: timedelta, words: tuple[str, str]) -> None:
    assert window_words(window) == words


async def test_limit_is_per_reference(client: TestClient, service_headers: dict[str, str]) -> None:
    first = await submit(client, service_headers)
    second = await submit(client, service_headers)
    for _ in range(5):
        await check(client, service_headers, first["reference"], "WRONG2")
    assert (await check(client, service_headers, second["reference"], second["access_code"])).status == 200


async def test_unknown_references_are_rate_limited_too(client: TestClient, service_headers: dict[str, str]) -> None:
    for _ in range(5):
        assert (await check(client, service_headers, "CMP-3333-33", "AAAAAA")).status == 404
    assert (await check(client, service_headers, "CMP-3333-33", "AAAAAA")).status == 429


async def test_status_needs_the_service_token_and_a_valid_body(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    assert (await client.post("/api/v1/status", json={"reference": "x", "access_code": "y"})).status == 401
    bad = await client.post("/api/v1/status", json={"reference": "CMP-2222-22"}, headers=service_headers)
    assert bad.status == 422
    assert "access_code" in str((await bad.json())["detail"])


async def test_compliment_status_talks_about_passing_on(client: TestClient, service_headers: dict[str, str]) -> None:
    created = await submit(client, service_headers, kind="compliment", about_whom="Sam")
    body = await (await check(client, service_headers, created["reference"], created["access_code"])).json()
    assert body["kind"] == "compliment"
    assert "pass them on" in body["next_step_for_child"]
    assert body["due_date"] is None


async def test_guesses_sent_all_at_once_are_counted_before_any_is_checked(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    created = await submit(client, service_headers)
    guesses = [check(client, service_headers, created["reference"], f"WRONG{n % 8 + 2}") for n in range(20)]
    statuses = sorted(response.status for response in await asyncio.gather(*guesses))
    # Never more than five codes checked in an hour, however the guesses are timed.
    assert statuses.count(404) <= 5
    assert set(statuses) <= {404, 429}
    assert (await check(client, service_headers, created["reference"], created["access_code"])).status == 429


async def test_the_right_code_is_not_counted_as_a_wrong_try(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    created = await submit(client, service_headers)
    for _ in range(7):
        assert (await check(client, service_headers, created["reference"], created["access_code"])).status == 200


@pytest.mark.parametrize("anonymous", [True, False])
async def test_after_the_answer_the_child_sees_the_outcome_and_what_staff_wrote_for_them(
    anonymous: bool,
    client: TestClient,
    service_headers: dict[str, str],
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    created = await submit(client, service_headers, anonymous=anonymous, first_name=None if anonymous else "Sam")
    await make_staff("officer", "complaints_officer")
    await answer_stage1(db, created["reference"])
    body = await (await check(client, service_headers, created["reference"], created["access_code"])).json()
    assert body["stage_for_child"] == "The manager has answered your complaint."
    assert body["outcome_for_child"] == "They agreed with some of your complaint."
    assert body["response_for_child"] == STAGE1_ANSWER["child_response"]
    assert body["next_stage"] == "stage2" and body["next_stage_why_not"] is None
    assert body["next_stage_pass"].startswith("stage2.")
    assert body["anonymous"] is anonymous
    # The staff letter is for the complainant's post, not the chat.
    assert STAGE1_ANSWER["text_sent"] not in str(body)
