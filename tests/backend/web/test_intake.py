"""Staff record feedback that arrived by phone, letter, email or in person; it runs like a tablet one."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from backend.config import Settings
from backend.deadlines import local_date
from backend.timeutil import utcnow
from tests.backend.conftest import login, sql, submit


@pytest.fixture
async def manager(client: TestClient, make_staff: Callable[..., Awaitable[object]]) -> str:
    await make_staff("manager", "manager", homes=("home-1", "home-2"))
    await make_staff("other", "manager", homes=("home-3",))
    return await login(client, "manager")


def _form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "kind": "complaint",
        "home": "home-1",
        "received_on": local_date(utcnow()).isoformat(),
        "received_via": "phone",
        "complainant": "parent_relative",
        "complainant_name": "Mrs P (mother)",
        "consent_note": "Asked Jo on 1 Dec: happy for mum to complain",
        "first_name": "Jo",
        "what_happened": "Contact with mum was cancelled twice",
        "categories": "contact",
        **fields,
    }


async def test_a_parents_phone_complaint_about_two_homes_is_recorded_with_who_and_how(
    client: TestClient, manager: str, settings: Settings
) -> None:
    form = _form(manager)
    data = [*form.items(), ("services", "home-2")]
    resp = await client.post("/staff/cases/new", data=data)
    assert resp.status == 200
    html = await resp.text()
    reference = re.search(r'id="new-reference">([A-Z0-9-]+)<', html).group(1)
    assert re.search(r'id="new-code">[A-Z0-9]{6}<', html)
    rows = sql(
        settings,
        "SELECT c.complainant, c.complainant_name, c.received_via, c.services, c.state, c.due_on IS NOT NULL, "
        "s.kind, s.first_name FROM cases c JOIN submissions s ON s.id = c.submission_id",
    )
    assert rows == [
        ("parent_relative", "Mrs P (mother)", "phone", '["home-1", "home-2"]', "received", 1, "complaint", "Jo")
    ]
    page = await (await client.get(f"/staff/cases/{reference}")).text()
    assert "Parent or relative: Mrs P (mother)" in page
    assert "by telephone, recorded by manager" in page
    assert sql(settings, "SELECT action FROM audit_log WHERE action = 'record_case'") == [("record_case",)]


async def test_a_reference_already_taken_is_drawn_again(
    client: TestClient,
    manager: str,
    settings: Settings,
    service_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = (await submit(client, service_headers))["reference"]
    drawn = iter([taken, "CMP-ZZZZ-ZZ"])
    monkeypatch.setattr("backend.submissions.new_reference", lambda kind: next(drawn))
    resp = await client.post("/staff/cases/new", data=_form(manager))
    assert resp.status == 200
    assert 'id="new-reference">CMP-ZZZZ-ZZ<' in await resp.text()
    assert sql(settings, "SELECT count(*) FROM cases") == [(2,)]
    assert sql(settings, "SELECT target_id FROM audit_log WHERE action = 'record_case'") == [("CMP-ZZZZ-ZZ",)]


async def test_someone_acting_for_the_child_needs_the_childs_consent(client: TestClient, manager: str) -> None:
    resp = await client.post("/staff/cases/new", data=_form(manager, consent_note=""))
    assert resp.status == 400
    html = await resp.text()
    assert "consent" in html
    assert "Contact with mum was cancelled twice</textarea>" in html  # what was typed is kept


async def test_an_informal_complaint_starts_on_its_own_route(
    client: TestClient, manager: str, settings: Settings
) -> None:
    resp = await client.post("/staff/cases/new", data=_form(manager, kind="informal"))
    assert resp.status == 200
    assert sql(settings, "SELECT route, state, last_step FROM cases") == [
        ("informal", "informal", "resolve_informally")
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [("home", "home-3"), ("received_via", "tablet"), ("kind", "rumour"), ("received_on", "2999-01-01")],
)
async def test_bad_or_out_of_scope_values_are_refused_with_a_reason(
    client: TestClient, manager: str, field: str, value: str
) -> None:
    resp = await client.post("/staff/cases/new", data=_form(manager, **{field: value}))
    assert resp.status == 400
    assert 'role="alert"' in await resp.text()
