"""Two backend replicas on one PostgreSQL database: each provider notice is sent once, each request summed up right.

Every request has two notices (email and webhook) settled by whichever replica claims them,
possibly at the same moment: the request row is locked while its summary is written.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings
from tests.backend.advocacy_notice.support import ask, configured, settled
from tests.backend.alerts_support import RecordingHttpServer
from tests.backend.conftest import SERVICE_TOKEN
from tests.backend.notify.smtp_server import SmtpServer
from tests.backend.test_postgres import pg_settings  # noqa: F401 - the fixture
from tests.helpers import wait_for_async

HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


async def test_two_replicas_send_each_notice_once_and_every_request_ends_delivered(
    pg_settings: Settings,  # noqa: F811 - the imported fixture
    aiohttp_client: Callable[..., Awaitable[TestClient]],
) -> None:
    smtp, hook = await SmtpServer().start(), await RecordingHttpServer(delay_seconds=0.05).start()
    try:
        both = configured(pg_settings, smtp_port=smtp.port, webhook=hook.url)
        a, b = await aiohttp_client(create_app(both)), await aiohttp_client(create_app(both))
        ids = [(await ask(via, HEADERS))["id"] for via in (a, b) * 4]
        conn = await asyncpg.connect(pg_settings.database_url.replace("+asyncpg", ""))
        try:

            async def all_delivered() -> bool:
                n = await conn.fetchval("SELECT count(*) FROM advocacy_requests WHERE provider_notice = 'delivered'")
                return n == len(ids)

            await wait_for_async(all_delivered, within=20)
            await asyncio.sleep(0.3)  # both replicas keep polling: give a double send the chance to show
            await settled(a)
            await settled(b)
            rows = await conn.fetch("SELECT provider_notice_attempts, provider_notice_error FROM advocacy_requests")
            notices = await conn.fetch("SELECT status, attempts FROM advocacy_notices")
        finally:
            await conn.close()
        assert Counter(r.body["request_id"] for r in hook.received) == Counter(ids)
        subjects = Counter(m.message["Subject"].split(" ")[2] for m in smtp.received)
        assert subjects == Counter(f"#{i}" for i in ids)
        assert {(r["provider_notice_attempts"], r["provider_notice_error"]) for r in rows} == {(2, None)}
        assert {(n["status"], n["attempts"]) for n in notices} == {("sent", 1)}
    finally:
        await smtp.stop()
        await hook.stop()
