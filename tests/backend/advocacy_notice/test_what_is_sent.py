"""What the provider receives: no name for an anonymous child, the complaint only with consent, never a code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.app import create_app
from backend.config import Settings
from backend.deadlines import LONDON, local_date
from tests.backend.advocacy_notice.support import ask, configured, notices, request_row, settled
from tests.backend.alerts_support import RecordingHttpServer
from tests.backend.conftest import submit
from tests.backend.notify.smtp_server import SmtpServer

Client = Callable[..., Awaitable[TestClient]]
WORDS = "Staff took my phone and will not give it back"
WANT = "My phone back at weekends"


@pytest.fixture
async def servers() -> AsyncIterator[tuple[SmtpServer, RecordingHttpServer]]:
    smtp, hook = await SmtpServer().start(), await RecordingHttpServer().start()
    yield smtp, hook
    await smtp.stop()
    await hook.stop()


@pytest.fixture
async def client(
    settings: Settings, aiohttp_client: Client, servers: tuple[SmtpServer, RecordingHttpServer]
) -> TestClient:
    smtp, hook = servers
    return await aiohttp_client(create_app(configured(settings, smtp_port=smtp.port, webhook=hook.url)))


def _email(smtp: SmtpServer) -> str:
    (mail,) = smtp.received
    return f"{mail.message['Subject']}\n{mail.message.get_payload(decode=True).decode()}"


async def test_an_anonymous_request_carries_no_name_and_asks_the_provider_to_contact_the_home(
    client: TestClient,
    service_headers: dict[str, str],
    servers: tuple[SmtpServer, RecordingHttpServer],
    db: async_sessionmaker,
) -> None:
    smtp, hook = servers
    # The action never sends a name for an anonymous child; the backend drops one if it ever came.
    receipt = await ask(client, service_headers, anonymous=True, first_name="Sam", conversation_id="tablet-1")
    await settled(client)
    email = _email(smtp)
    assert "Sam" not in email and "tablet-1" not in email
    assert "They chose not to give their name" in email and "Please contact the home" in email
    (post,) = hook.received
    assert "Sam" not in str(post.body) and "tablet-1" not in str(post.body)
    assert (post.body["anonymous"], post.body["first_name"]) == (True, None)
    assert "You stayed anonymous, so they won't know your name." in receipt["what_happens_next"]
    assert "get in touch with your home" in receipt["what_happens_next"]
    # Anonymous keeps the day only, even where the notice was sent (backend/anonymous_dates.py).
    row = await request_row(db, receipt["id"])
    assert row.provider_notice == "delivered"
    assert row.provider_notified_at == row.created_at
    for notice in await notices(db):
        assert notice.sent_at == notice.created_at == notice.next_attempt_at == row.created_at


async def test_with_consent_the_complaint_is_sent_and_without_it_nothing_about_it(
    client: TestClient, service_headers: dict[str, str], servers: tuple[SmtpServer, RecordingHttpServer]
) -> None:
    smtp, hook = servers
    created = await submit(
        client, service_headers, what_happened=WORDS, desired_outcome=WANT, anonymous=False, first_name="Sam"
    )
    shared = await ask(client, service_headers, reference=created["reference"], consent_to_share=True)
    await settled(client)
    email = _email(smtp)
    assert created["reference"] in email and WORDS in email and WANT in email
    assert "The child agreed that you may see their complaint." in email
    assert created["access_code"] not in email
    assert hook.received[0].body["complaint"] == {
        "reference": created["reference"],
        "kind": "complaint",
        "what_happened": WORDS,
        "desired_outcome": WANT,
    }
    assert created["access_code"] not in str(hook.received[0].body)
    assert "so we are sending it to them too" in shared["what_happens_next"]

    smtp.received.clear()
    hook.received.clear()
    private = await ask(client, service_headers, reference=created["reference"], consent_to_share=False)
    await settled(client)
    email = _email(smtp)
    assert created["reference"] not in email and WORDS not in email and "complaint" not in email
    assert hook.received[0].body["complaint"] is None
    assert created["reference"] not in str(hook.received[0].body)
    assert "they should not see your complaint" in private["what_happens_next"]


async def test_the_email_gives_the_day_in_england_and_no_time(
    client: TestClient,
    service_headers: dict[str, str],
    servers: tuple[SmtpServer, RecordingHttpServer],
    db: async_sessionmaker,
) -> None:
    smtp, _ = servers
    receipt = await ask(client, service_headers)
    await settled(client)
    asked = (await request_row(db, receipt["id"])).created_at
    day = local_date(asked)
    email = _email(smtp)
    assert f"asked for an advocate on {day:%A} {day.day} {day:%B %Y}," in email
    assert f"{asked.astimezone(UTC):%H:%M}" not in email and f"{asked.astimezone(LONDON):%H:%M}" not in email
    assert f"Please quote request #{receipt['id']}" in email
