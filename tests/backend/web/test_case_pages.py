"""The case list, case page and a complaint run from receipt to the Ombudsman over real HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient

from backend.config import Settings
from backend.deadlines import WorkingCalendar, local_date
from backend.timeutil import utcnow
from tests.backend.conftest import login, sql, submit


def set_due(settings: Settings, ref: str, due: date) -> None:
    sql(
        settings,
        "UPDATE cases SET due_on = ? WHERE submission_id = (SELECT id FROM submissions WHERE reference = ?)",
        due.isoformat(),
        ref,
    )


@pytest.fixture
async def officer(client: TestClient, make_staff: Callable[..., Awaitable[object]]) -> str:
    await make_staff("officer", "complaints_officer")
    return await login(client, "officer")


async def step(client: TestClient, ref: str, action: str, csrf: str, **fields: object) -> int:
    data = {"csrf_token": csrf, **fields}
    resp = await client.post(f"/staff/cases/{ref}/{action}", data=data, allow_redirects=False)
    return resp.status


async def test_case_list_filters(
    client: TestClient, service_headers: dict[str, str], settings: Settings, officer: str
) -> None:
    today = local_date(utcnow())
    late = (await submit(client, service_headers, home="home-1"))["reference"]
    soon = (await submit(client, service_headers, home="home-2"))["reference"]
    idea = (await submit(client, service_headers, kind="comment", home="home-1"))["reference"]
    thanks = (await submit(client, service_headers, kind="compliment", home="home-1"))["reference"]
    set_due(settings, late, today - timedelta(days=7))
    set_due(settings, soon, today)
    set_due(settings, idea, today + timedelta(days=21))

    async def shown(query: str) -> set[str]:
        html = await (await client.get(f"/staff/cases?{query}")).text()
        return {ref for ref in (late, soon, idea, thanks) if ref in html}

    assert await shown("") == {late, soon, idea, thanks}
    assert await shown("kind=comment") == {idea}
    assert await shown("home=home-2") == {soon}
    assert await shown("overdue=1") == {late}
    assert await shown("due_week=1") == {soon}
    assert await shown("stage=received&kind=complaint") == {late, soon}
    html = await (await client.get("/staff/cases")).text()
    late_by = WorkingCalendar().working_days_between(today - timedelta(days=7), today)
    assert f'class="badge overdue">Overdue by {late_by} working day' in html
    assert 'class="badge due-soon">Due today' in html
    await step(client, late, "acknowledge", officer, text_sent="hi")
    assert await shown("stage=stage1") == {late}
    await step(client, thanks, "pass_on", officer, shared_with="Sam")
    assert await shown("status=closed") == {thanks}
    assert thanks not in await shown("status=open")


async def test_case_page_shows_everything_the_child_said_escaped(
    client: TestClient, service_headers: dict[str, str], officer: str
) -> None:
    created = await submit(
        client,
        service_headers,
        anonymous=False,
        first_name="Sam",
        what_happened='<script>alert("x")</script><b>bold</b> & they took my phone',
        desired_outcome="<img src=x onerror=alert(1)> get it back",
    )
    html = await (await client.get(f"/staff/cases/{created['reference']}")).text()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; they took my phone" in html
    assert "&lt;img src=x onerror=alert(1)&gt; get it back" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "Named: Sam" in html
    assert "We have got your complaint" in html  # what the child sees, from the same workflow


async def test_a_complaint_runs_from_receipt_to_the_ombudsman(
    client: TestClient, service_headers: dict[str, str], settings: Settings, officer: str
) -> None:
    ref = (await submit(client, service_headers))["reference"]
    today = local_date(utcnow()).isoformat()
    steps = [
        ("acknowledge", {"text_sent": "Thank you, I am looking into it", "categories": "money"}),
        ("extend_stage1", {"reason": "Waiting for the bank", "agreed_with": "the child"}),
        (
            "respond_stage1",
            {
                "text_sent": "Answer 1",
                "child_response": "We did not agree",
                "outcome": "not_upheld",
                "remedies": "explanation",
            },
        ),
        ("request_stage2", {"note": "Asked with advocate"}),
        (
            "agree_statement",
            {
                "text_sent": "1. Pocket money was late",
                "investigating_officer": "A. Khan",
                "independent_person": "B. Lowe",
                "advocate_offered": "on",
            },
        ),
        ("extend_stage2", {"limit_days": "40", "reason": "Investigator needs more time"}),
        (
            "respond_stage2",
            {"text_sent": "Answer 2", "child_response": "Still no", "outcome": "not_upheld", "remedies": "explanation"},
        ),
        ("request_stage3", {"note": "Still unhappy"}),
        ("panel_held", {"panel_members": "C. Chair\nD. Member\nE. Member"}),
        ("panel_report", {"text_sent": "Report: no change"}),
        ("respond_stage3", {"text_sent": "Answer 3", "child_response": "Final answer", "outcome": "not_upheld"}),
        ("signpost_ombudsman", {"text_sent": "You can contact the Ombudsman"}),
    ]
    for action, fields in steps:
        assert await step(client, ref, action, officer, on=today, **fields) == 303, action
    html = await (await client.get(f"/staff/cases/{ref}")).text()
    assert '<div class="state">Closed</div>' in html
    assert "Ombudsman</dt><dd>Signposted" in html
    assert "Reason: Waiting for the bank (agreed with the child)" in html
    assert "new limit 40 working days" in html
    assert "Panel: C. Chair, D. Member, E. Member" in html
    # Each stage keeps its own finding.
    assert sql(settings, "SELECT stage, outcome FROM case_outcomes ORDER BY id") == [
        ("stage1", "not_upheld"),
        ("stage2", "not_upheld"),
        ("stage3", "not_upheld"),
    ]
    events = sql(settings, "SELECT action, actor_username, text_sent FROM case_events ORDER BY id")
    assert [e[0] for e in events] == [a for a, _ in steps]
    assert all(e[1] == "officer" for e in events)
    assert events[0][2] == "Thank you, I am looking into it"
    # The JSON API's status mirrors the workflow.
    assert sql(settings, "SELECT status FROM submissions") == [("closed",)]


async def test_an_incomplete_step_shows_the_reason_and_keeps_what_was_typed(
    client: TestClient, service_headers: dict[str, str], officer: str
) -> None:
    ref = (await submit(client, service_headers))["reference"]
    await step(client, ref, "acknowledge", officer, text_sent="hi")
    resp = await client.post(
        f"/staff/cases/{ref}/respond_stage1",
        data={"csrf_token": officer, "text_sent": "We agree with you", "child_response": "Yes", "outcome": "upheld"},
    )
    assert resp.status == 400
    html = await resp.text()
    assert "record the learning" in html
    assert "We agree with you</textarea>" in html


async def test_bad_form_values_are_400_not_500(
    client: TestClient, service_headers: dict[str, str], officer: str
) -> None:
    ref = (await submit(client, service_headers))["reference"]
    assert await step(client, ref, "acknowledge", officer, text_sent="hi", on="not-a-date") == 400
    assert await step(client, ref, "acknowledge", officer, text_sent="x" * 30_000) == 400
    assert await step(client, ref, "no_such_step", officer) == 404
    assert await step(client, "CMP-2222-22", "acknowledge", officer, text_sent="hi") == 404


async def test_staff_conduct_flag_is_shown_for_safeguarding_consideration(
    client: TestClient, service_headers: dict[str, str], officer: str
) -> None:
    ref = (await submit(client, service_headers))["reference"]
    assert await step(client, ref, "acknowledge", officer, text_sent="hi", staff_conduct="on") == 303
    html = await (await client.get(f"/staff/cases/{ref}")).text()
    assert "Consider safeguarding and a referral to the LADO" in html
    assert "No safeguarding/LADO decision recorded yet" in html
    assert "Staff conduct</span>" in await (await client.get("/staff/cases")).text()


async def test_feedback_log_lists_compliments_and_comments_with_sharing(
    client: TestClient, service_headers: dict[str, str], officer: str
) -> None:
    thanks = (await submit(client, service_headers, kind="compliment", about_whom="Jo <3"))["reference"]
    idea = (await submit(client, service_headers, kind="comment", what_happened="Pizza on Fridays"))["reference"]
    complaint = (await submit(client, service_headers))["reference"]
    await step(client, thanks, "pass_on", officer, shared_with="Jo (night staff)", shared_how="Told in person")
    await step(
        client,
        idea,
        "respond_comment",
        officer,
        text_sent="Great idea",
        shared_with="House meeting",
        shared_how="Agenda item",
        change_in_practice="Pizza night started",
    )
    html = await (await client.get("/staff/feedback")).text()
    assert thanks in html and idea in html and complaint not in html
    assert "About: Jo &lt;3" in html
    assert "Pizza night started" in html
    assert 'class="badge ok">' in html  # passed on, with when
    only = await (await client.get("/staff/feedback?kind=comment")).text()
    assert idea in only and thanks not in only


async def test_homes_page_assigns_managers(
    client: TestClient, service_headers: dict[str, str], officer: str, make_staff: Callable[..., Awaitable[object]]
) -> None:
    ref = (await submit(client, service_headers, home="home-7"))["reference"]
    await make_staff("manager7", "manager")
    await client.post("/staff/homes", data={"csrf_token": officer, "code": "home-7", "name": "Elm House"})
    resp = await client.post("/staff/homes/home-7/managers", data={"csrf_token": officer, "username": "manager7"})
    assert resp.status == 200
    assert '<span class="tag">manager7</span>' in await resp.text()
    await login(client, "manager7")
    assert ref in await (await client.get("/staff/cases")).text()


async def test_a_complaint_the_detector_saw_as_about_staff_arrives_flagged(
    client: TestClient, service_headers: dict[str, str], settings: Settings, officer: str
) -> None:
    flagged = (await submit(client, service_headers, staff_conduct=True))["reference"]
    plain = (await submit(client, service_headers))["reference"]
    rows = dict(
        sql(settings, "SELECT s.reference, c.staff_conduct FROM cases c JOIN submissions s ON s.id = c.submission_id")
    )
    assert rows == {flagged: 1, plain: 0}
