"""Anonymous records keep the date only: nothing staff can see tells the time of day they arrived.

In a home of five children "14:32" often says who had the tablet. The time is not hidden
on output only: it is never stored, and no list orders an anonymous record among named
ones by the minute it came.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time

from aiohttp.test_utils import TestClient

from backend.config import Settings
from backend.deadlines import LONDON, local_date
from backend.timeutil import utcnow
from tests.backend.conftest import login, submit
from tests.helpers import sqlite_rows

# "14:32" or "14:32:07" anywhere in a page or answer.
CLOCK = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")


def _db(settings: Settings) -> str:
    return settings.database_url.split(":///", 1)[1]


def _is_start_of_day_in_england(raw: str) -> bool:
    local = datetime.fromisoformat(raw).replace(tzinfo=UTC).astimezone(LONDON)
    return local.time() == time(0)


async def test_an_anonymous_submission_never_stores_its_time_of_day(
    client: TestClient, service_headers: dict[str, str], settings: Settings
) -> None:
    receipt = await submit(client, service_headers, anonymous=True)
    resp = await client.post(
        "/api/v1/advocacy-requests",
        json={"home": "home-1", "reference": receipt["reference"], "anonymous": True, "consent_to_share": True},
        headers=service_headers,
    )
    assert resp.status == 201
    db = _db(settings)
    ((received, updated),) = sqlite_rows(
        db,
        "SELECT s.received_at, c.updated_at FROM submissions s JOIN cases c ON c.submission_id = s.id "
        "WHERE s.reference = ?",
        receipt["reference"],
    )
    ((requested,),) = sqlite_rows(db, "SELECT created_at FROM advocacy_requests")
    assert all(_is_start_of_day_in_england(value) for value in (received, updated, requested))
    # The day itself is right, so every deadline still counts from it.
    assert datetime.fromisoformat(receipt["received_at"]).astimezone(LONDON).date() == local_date(utcnow())
    # A named one keeps its time (the check above is not just true of every stored value).
    named = await submit(client, service_headers, anonymous=False, first_name="Sam")
    ((kept,),) = sqlite_rows(db, "SELECT received_at FROM submissions WHERE reference = ?", named["reference"])
    assert abs((datetime.fromisoformat(kept).replace(tzinfo=UTC) - utcnow()).total_seconds()) < 600
    # Nothing was written to the audit log at that moment either.
    assert sqlite_rows(db, "SELECT COUNT(*) FROM audit_log WHERE target_id = ?", receipt["reference"])[0][0] == 0


async def test_staff_pages_show_an_anonymous_case_without_a_time(
    client: TestClient,
    service_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    anonymous = (await submit(client, service_headers, anonymous=True))["reference"]
    await client.post(
        "/api/v1/advocacy-requests",
        json={"home": "home-1", "reference": anonymous, "anonymous": True, "consent_to_share": True},
        headers=service_headers,
    )
    named = (await submit(client, service_headers, anonymous=False, first_name="Sam"))["reference"]
    thanks = (await submit(client, service_headers, kind="compliment", anonymous=True))["reference"]
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    page = await (await client.get(f"/staff/cases/{anonymous}")).text()
    assert CLOCK.search(page) is None, CLOCK.search(page)
    # The same page for a named case does show the time: the check above would see one.
    assert CLOCK.search(await (await client.get(f"/staff/cases/{named}")).text())
    for path in ("/staff/cases?status=all", "/staff/feedback", f"/staff/cases/{thanks}"):
        listing = await (await client.get(path)).text()
        assert CLOCK.search(listing) is None, (path, CLOCK.search(listing))


async def test_the_api_answers_the_date_only_for_anonymous_submissions(
    client: TestClient, service_headers: dict[str, str], staff_headers: dict[str, str]
) -> None:
    anonymous = (await submit(client, service_headers, anonymous=True))["reference"]
    named = (await submit(client, service_headers, anonymous=False, first_name="Sam"))["reference"]
    one = await (await client.get(f"/api/v1/submissions/{anonymous}", headers=staff_headers)).json()
    assert one["received_at"] is None
    assert one["received_on"] == local_date(utcnow()).isoformat()
    assert CLOCK.search(str(one)) is None
    items = {
        i["reference"]: i
        for i in (await (await client.get("/api/v1/submissions", headers=staff_headers)).json())["items"]
    }
    assert items[anonymous]["received_at"] is None
    assert items[named]["received_at"] is not None


async def test_no_list_places_an_anonymous_record_between_named_ones_by_its_minute(
    client: TestClient,
    service_headers: dict[str, str],
    staff_headers: dict[str, str],
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    before = (await submit(client, service_headers, anonymous=False, first_name="Ann"))["reference"]
    secret = (await submit(client, service_headers, anonymous=True))["reference"]
    after = (await submit(client, service_headers, anonymous=False, first_name="Bo"))["reference"]
    items = (await (await client.get("/api/v1/submissions", headers=staff_headers)).json())["items"]
    assert [i["reference"] for i in items] == [after, before, secret]
    await make_staff("manager", "manager", homes=("home-1",))
    await login(client, "manager")
    page = await (await client.get("/staff/cases")).text()
    assert page.index(after) < page.index(before) < page.index(secret)
