"""Settings and helpers for the advocacy notice tests: real SMTP and webhook servers, fast retries."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.advocacy_notice.context import NOTICE_DISPATCHER
from backend.advocacy_notice.settings import AdvocacyNoticeSettings
from backend.alerts.settings import RetryPolicy
from backend.casework.models import AdvocacyNotice, AdvocacyRequest
from backend.config import Settings, SmtpSettings

URL = "/api/v1/advocacy-requests"
PROVIDER_EMAIL = "referrals@advocacy.example"


def fast(attempts: int = 4, lease: float = 5.0) -> AdvocacyNoticeSettings:
    return AdvocacyNoticeSettings(
        retry=RetryPolicy(attempts=attempts, base_seconds=0.05, max_seconds=0.2, claim_lease_seconds=lease),
        tick_seconds=0.05,
    )


def configured(
    settings: Settings,
    *,
    smtp_port: int | None = None,
    webhook: str = "",
    email: str = PROVIDER_EMAIL,
    attempts: int = 4,
) -> Settings:
    """The test settings with the default provider reachable by email (through smtp_port) and/or a webhook."""
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, security="none", timeout_seconds=3) if smtp_port else None
    return dataclasses.replace(
        settings,
        smtp=smtp,
        advocacy_provider_name="Speak Up Advocacy",
        advocacy_provider_phone="0800 000 1234",
        advocacy_provider_email=email if smtp_port else "",
        advocacy_provider_webhook_url=webhook,
        advocacy_notice=fast(attempts),
    )


async def ask(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"home": "home-1", "anonymous": False, "first_name": "Sam", "consent_to_share": False, **fields}
    resp = await client.post(URL, json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def settled(client: TestClient) -> None:
    """Wait until the app is sending nothing (retries included)."""
    await client.app[NOTICE_DISPATCHER].wait_idle()


async def request_row(db: async_sessionmaker, request_id: int) -> AdvocacyRequest:
    async with db() as session:
        row = await session.get(AdvocacyRequest, request_id)
        assert row is not None
        return row


async def notices(db: async_sessionmaker) -> list[AdvocacyNotice]:
    async with db() as session:
        return list(await session.scalars(select(AdvocacyNotice).order_by(AdvocacyNotice.id)))
