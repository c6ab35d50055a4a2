"""The provider is really told: by email through a real SMTP server and by a webhook to a real HTTP server.

Delivered once; retried after a failure with every attempt counted; given up after the last
attempt and shown as failed; two backend processes on one database send each notice once.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.advocacy_notice.settings import AdvocacyNoticeSettings
from backend.alerts.settings import RetryPolicy
from backend.app import create_app
from backend.config import Settings
from backend.staff.models import Home
from tests.backend.advocacy_notice.support import PROVIDER_EMAIL, ask, configured, notices, request_row, settled
from tests.backend.alerts_support import RecordingHttpServer
from tests.backend.conftest import login, submit
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

Client = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def hook() -> AsyncIterator[RecordingHttpServer]:
    server = await RecordingHttpServer().start()
    yield server
    await server.stop()


def _text(server: SmtpServer, index: int = 0) -> str:
    return server.received[index].message.get_payload(decode=True).decode()


async def test_email_and_webhook_are_each_delivered_once_and_the_request_says_so(
    settings: Settings,
    aiohttp_client: Client,
    service_headers: dict[str, str],
    db: async_sessionmaker,
    smtp: SmtpServer,
    hook: RecordingHttpServer,
) -> None:
    async with db() as session:
        session.add(Home(code="home-1", name="Oak House"))
        await session.commit()
    client = await aiohttp_client(create_app(configured(settings, smtp_port=smtp.port, webhook=f"{hook.url}/refer")))
    receipt = await ask(client, service_headers)
    assert receipt["provider_notice"] == "pending"
    assert receipt["what_happens_next"].startswith("We have asked Speak Up Advocacy to get in touch with you.")
    await settled(client)

    (mail,) = smtp.received
    assert mail.recipients == [PROVIDER_EMAIL]
    assert mail.message["Subject"] == f"Advocacy request #{receipt['id']} from a child at Oak House"
    body = _text(smtp)
    assert "A child at Oak House (home code home-1) asked for an advocate on " in body
    assert "Their first name is Sam." in body
    (post,) = hook.received
    assert post.path == "/refer"
    assert post.body["home"] == {"code": "home-1", "name": "Oak House"}
    assert (post.body["first_name"], post.body["anonymous"], post.body["complaint"]) == ("Sam", False, None)

    row = await request_row(db, receipt["id"])
    assert (row.provider_notice, row.provider_notice_attempts, row.provider_notice_error) == ("delivered", 2, None)
    assert row.provider_notified_at is not None and row.provider_notified_at >= row.created_at
    sent = [(n.channel, n.status, n.attempts) for n in await notices(db)]
    assert sent == [("email", "sent", 1), ("webhook", "sent", 1)]


async def test_a_failed_email_is_retried_and_each_attempt_counted(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    smtp = await SmtpServer(fail_first=2).start()
    try:
        client = await aiohttp_client(create_app(configured(settings, smtp_port=smtp.port)))
        receipt = await ask(client, service_headers)

        async def pending_after_a_failure() -> bool:
            row = await request_row(db, receipt["id"])
            return row.provider_notice == "pending" and row.provider_notice_attempts >= 1

        await wait_for_async(pending_after_a_failure, within=5, interval=0.005)
        row = await request_row(db, receipt["id"])
        assert "451" in (row.provider_notice_error or "")
        await settled(client)
        assert len(smtp.received) == 1
        row = await request_row(db, receipt["id"])
        assert (row.provider_notice, row.provider_notice_attempts, row.provider_notice_error) == ("delivered", 3, None)
    finally:
        await smtp.stop()


async def test_after_the_last_attempt_the_request_is_failed_with_the_error_and_staff_see_it(
    settings: Settings,
    aiohttp_client: Client,
    service_headers: dict[str, str],
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
) -> None:
    hook = await RecordingHttpServer(fail_first=100).start()
    try:
        client = await aiohttp_client(create_app(configured(settings, webhook=hook.url, attempts=3)))
        created = await submit(client, service_headers)
        receipt = await ask(client, service_headers, reference=created["reference"], anonymous=True)
        await settled(client)
        assert len(hook.received) == 3
        row = await request_row(db, receipt["id"])
        assert (row.provider_notice, row.provider_notice_attempts) == ("failed", 3)
        assert row.provider_notice_error == "webhook: NotifierError: webhook answered HTTP 500"
        assert row.provider_notified_at is None
    finally:
        await hook.stop()
    await make_staff("officer", "complaints_officer")
    await login(client, "officer")
    page = await (await client.get(f"/staff/cases/{created['reference']}")).text()
    assert "failed after 3 attempts" in page and "not told: pass it on yourself" in page
    assert "webhook answered HTTP 500" in page


async def test_two_backend_processes_on_one_database_send_each_notice_once(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    # Slow answers widen the window in which both processes see the same notice as due.
    hook = await RecordingHttpServer(delay_seconds=0.1).start()
    try:
        both = configured(settings, webhook=hook.url)
        a, b = await aiohttp_client(create_app(both)), await aiohttp_client(create_app(both))
        ids = [(await ask(via, service_headers))["id"] for via in (a, b) * 4]

        async def all_delivered() -> bool:
            return all(n.status == "sent" for n in await notices(db)) and len(hook.received) >= len(ids)

        await wait_for_async(all_delivered, within=15)
        # Both kept polling all along; let anything still in flight finish before counting.
        await asyncio.sleep(0.3)
        await settled(a)
        await settled(b)
        assert Counter(r.body["request_id"] for r in hook.received) == Counter(ids)
        assert {n.attempts for n in await notices(db)} == {1}
    finally:
        await hook.stop()


async def test_a_notice_left_pending_by_a_stopped_backend_is_sent_by_the_next_start(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    hook = await RecordingHttpServer(fail_first=1).start()
    # The retry waits a second: long enough to stop the backend before it.
    slow = dataclasses.replace(
        configured(settings, webhook=hook.url),
        advocacy_notice=AdvocacyNoticeSettings(retry=RetryPolicy(4, 1.0, 1.0, 5.0), tick_seconds=0.05),
    )
    try:
        first = await aiohttp_client(create_app(slow))
        receipt = await ask(first, service_headers)

        async def first_attempt_failed() -> bool:
            return (await request_row(db, receipt["id"])).provider_notice_attempts == 1

        await wait_for_async(first_attempt_failed, within=5)
        await first.close()  # stops between the failed attempt and its retry
        assert (await request_row(db, receipt["id"])).provider_notice == "pending"
        second = await aiohttp_client(create_app(slow))

        async def delivered() -> bool:
            return (await request_row(db, receipt["id"])).provider_notice == "delivered"

        await wait_for_async(delivered, within=5)
        await settled(second)
        assert [r.body["request_id"] for r in hook.received] == [receipt["id"], receipt["id"]]
    finally:
        await hook.stop()
