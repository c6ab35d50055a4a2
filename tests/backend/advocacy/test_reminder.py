"""The daily reminder lists advocacy requests whose provider was not told, to the staff who may see them."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.config import Settings, SmtpSettings
from backend.reminders.job import ADVOCACY_LISTED_DAYS, send_reminders
from backend.timeutil import utcnow
from tests.backend.advocacy_notice.support import ask
from tests.backend.conftest import sql, submit
from tests.backend.notify.smtp_server import SmtpServer


async def test_undelivered_requests_of_the_last_days_are_listed_and_staff_conduct_stays_hidden_from_managers(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    # The client's settings have no provider address: every request is "not configured".
    plain = await submit(client, service_headers, home="home-1")
    conduct = await submit(client, service_headers, home="home-1")
    sql(
        settings,
        "UPDATE cases SET staff_conduct = 1 WHERE submission_id = (SELECT id FROM submissions WHERE reference = ?)",
        conduct["reference"],
    )
    await ask(client, service_headers, home="home-1", reference=plain["reference"], consent_to_share=True)
    await ask(client, service_headers, home="home-1", reference=conduct["reference"], anonymous=True)
    old = await ask(client, service_headers, home="home-1")
    old_day = f"{utcnow() - timedelta(days=ADVOCACY_LISTED_DAYS + 1):%Y-%m-%d %H:%M:%S.%f}"
    sql(settings, "UPDATE advocacy_requests SET created_at = ? WHERE id = ?", old_day, old["id"])
    await make_staff("manager1", "manager", homes=("home-1",), email="m1@home.example")
    await make_staff("manager2", "manager", homes=("home-2",), email="m2@home.example")
    await make_staff("officer", "complaints_officer", email="co@la.example")
    smtp = await SmtpServer().start()
    try:
        mail = SmtpSettings(host="127.0.0.1", port=smtp.port, security="none")
        sent = await send_reminders(db, dataclasses.replace(settings, smtp=mail), utcnow())
    finally:
        await smtp.stop()
    assert sorted(r.username for r in sent) == ["manager1", "officer"]
    by_to = {m.recipients[0]: m.message for m in smtp.received}
    manager = by_to["m1@home.example"].get_payload(decode=True).decode()
    officer = by_to["co@la.example"].get_payload(decode=True).decode()
    assert by_to["m1@home.example"]["Subject"].endswith(", 1 advocacy request(s) not passed on")
    assert by_to["co@la.example"]["Subject"].endswith(", 2 advocacy request(s) not passed on")
    assert "ADVOCACY REQUESTS NOT PASSED ON" in manager
    assert f"complaint {plain['reference']} shared: the local advocacy service not told (not configured)" in manager
    assert conduct["reference"] not in manager
    assert f"anonymous, complaint {conduct['reference']} not shared" in officer
    # Older than the listed days: not in anyone's reminder.
    assert manager.count("- home-1,") == 1 and officer.count("- home-1,") == 2
