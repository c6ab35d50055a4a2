"""/staff/reports over real HTTP: who sees which homes, downloads, bad input, the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.config import Settings
from tests.backend.conftest import login
from tests.backend.reports.support import add_record
from tests.helpers import sqlite_rows

YEAR = "from=2025-04-01&to=2026-03-31"


@pytest.fixture
async def two_homes(make_staff: Callable[..., Awaitable[object]], db: async_sessionmaker) -> None:
    """Six complaints in home-1, two in home-2 (each home has its manager), and one about staff in home-1."""
    await make_staff("manager1", "manager", homes=("home-1",))
    await make_staff("manager2", "manager", homes=("home-2",))
    async with db() as session:
        for day in range(1, 7):
            await add_record(session, date(2025, 5, day), home="home-1")
        for day in range(1, 3):
            await add_record(session, date(2025, 6, day), home="home-2")
        await add_record(session, date(2025, 7, 1), home="home-1", staff_conduct=True, categories=["staff_attitude"])


def _summary_complaints(html: str) -> str:
    row = html.split('<td class="label">Complaints</td>', 1)[1].split("</tr>", 1)[0]
    return row.rsplit('">', 1)[1].split("<", 1)[0]


async def test_a_manager_sees_only_their_homes(client: TestClient, two_homes: None) -> None:
    await login(client, "manager1")
    resp = await client.get(f"/staff/reports?{YEAR}")
    assert resp.status == 200
    html = await resp.text()
    assert "Home home-1" in html and "Home home-2" not in html
    # Their six; the complaint about a member of staff is not theirs to see.
    assert _summary_complaints(html) == "6"
    assert "not counted here" in html
    assert f'href="/staff/reports.pdf?{YEAR.replace("&", "&amp;")}"' in html
    assert '<a href="/staff/reports" aria-current="page">Reports</a>' in html
    other = await client.get(f"/staff/reports?{YEAR}&home=home-2")
    assert other.status == 403
    assert (await client.get(f"/staff/reports.csv?{YEAR}&home=home-2")).status == 403


async def test_the_complaints_officer_sees_every_home_with_small_numbers_hidden(
    client: TestClient, two_homes: None, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    html = await (await client.get(f"/staff/reports?{YEAR}")).text()
    assert _summary_complaints(html) == "9"
    home2 = html.split('<td class="label">Home home-2</td>', 1)[1].split("</tr>", 1)[0]
    assert "fewer than 5" in home2 and ">2<" not in home2
    csv = await client.get(f"/staff/reports.csv?{YEAR}&home=home-2")
    assert csv.status == 200 and csv.content_type == "text/csv"
    assert "Home home-2,fewer than 5,0,0,0" in await csv.text()


async def test_the_auditor_reads_and_the_safeguarding_lead_may_not(
    client: TestClient, two_homes: None, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("auditor", "auditor")
    await make_staff("lead", "safeguarding_lead")
    await login(client, "auditor")
    html = await (await client.get(f"/staff/reports?{YEAR}")).text()
    assert "Home home-1" in html and "Home home-2" in html
    assert _summary_complaints(html) == "8"  # not the one about staff
    await client.post("/staff/logout", data={"csrf_token": ""})
    client.session.cookie_jar.clear()
    await login(client, "lead")
    assert (await client.get(f"/staff/reports?{YEAR}")).status == 403
    assert (await client.get(f"/staff/reports.pdf?{YEAR}")).status == 403
    cases = await (await client.get("/staff/cases")).text()
    assert 'href="/staff/reports"' not in cases


async def test_nobody_logged_in_is_sent_to_the_login(client: TestClient) -> None:
    resp = await client.get(f"/staff/reports.csv?{YEAR}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/staff/login")


BAD = [
    ("from=2025-13-01&to=2026-03-31", "the from date must be a date written YYYY-MM-DD"),
    ("from=2026-04-01&to=2025-04-01", "the &#39;to&#39; date is before the &#39;from&#39; date"),
    ("from=2025-04-01", "give the to date"),
    ("from=2001-01-01&to=2026-03-31", "a report covers at most"),
    (f"{YEAR}&home=nowhere", "unknown home: nowhere"),
]


async def test_bad_input_is_400_with_the_reason(
    client: TestClient, make_staff: Callable[..., Awaitable[object]]
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    for query, reason in BAD:
        for path in ("/staff/reports", "/staff/reports.csv", "/staff/reports.pdf"):
            resp = await client.get(f"{path}?{query}")
            assert resp.status == 400, (path, query)
            assert reason in await resp.text(), (path, query)


async def test_the_pdf_download_and_the_audit_log(
    client: TestClient, two_homes: None, make_staff: Callable[..., Awaitable[object]], settings: Settings
) -> None:
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    await client.get(f"/staff/reports?{YEAR}")
    resp = await client.get(f"/staff/reports.pdf?{YEAR}")
    assert resp.status == 200 and resp.content_type == "application/pdf"
    assert 'filename="complaints-report-2025-04-01-to-2026-03-31.pdf"' in resp.headers["Content-Disposition"]
    body = await resp.read()
    assert body.startswith(b"%PDF") and len(body) > 20_000
    path = settings.database_url.split(":///", 1)[1]
    rows = sqlite_rows(path, "SELECT action, detail FROM audit_log WHERE target_type = 'report' ORDER BY id")
    assert [(r["action"], r["detail"]) for r in rows] == [
        ("view_report", "2025-04-01 to 2026-03-31; homes: all in scope"),
        ("download_report_pdf", "2025-04-01 to 2026-03-31; homes: all in scope"),
    ]
