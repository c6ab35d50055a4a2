"""Sends advocacy notices with the alerts' outbox machinery (claim, retry, backoff: backend/alerts/dispatch.py).

After each attempt the request's provider_notice is summed up again from all its notices
(backend/advocacy_notice/outbox.py), so the case page shows delivered, pending (attempt N),
failed (with the error) or not configured.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.advocacy_notice.content import NoticeFacts, email_content, facts_for, webhook_payload
from backend.advocacy_notice.outbox import settle_times, summarise
from backend.alerts.dispatch import OutboxDispatcher
from backend.alerts.models import FAILED, SENT
from backend.alerts.senders import NotifierError, email_once, post_json
from backend.casework.models import AdvocacyNotice, AdvocacyRequest
from backend.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    request: AdvocacyRequest
    facts: NoticeFacts


class AdvocacyNoticeDispatcher(OutboxDispatcher[AdvocacyNotice, Loaded]):
    model = AdvocacyNotice
    kind = "advocacy-notice"

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, http: aiohttp.ClientSession
    ) -> None:
        super().__init__(sessionmaker, settings.advocacy_notice.retry)
        self._settings = settings
        self._http = http

    async def _context(self, session: AsyncSession, row: AdvocacyNotice) -> Loaded | None:
        request = await session.get(AdvocacyRequest, row.request_id)
        return None if request is None else Loaded(request, await facts_for(session, request))

    async def _send(self, row: AdvocacyNotice, ctx: Loaded) -> None:
        if row.channel == "email":
            subject, body = email_content(ctx.facts)
            await email_once(self._settings.smtp, row.target, subject, body)
        elif row.channel == "webhook":
            await post_json(self._http, row.target, webhook_payload(ctx.facts))
        else:
            raise NotifierError(f"unknown channel {row.channel!r}")

    def _describe(self, row: AdvocacyNotice, ctx: Loaded) -> str:
        # The log's own timestamps must not date an anonymous request to the minute: no id for those.
        which = "an anonymous advocacy request" if ctx.request.anonymous else f"advocacy request {ctx.request.id}"
        # A webhook URL may hold a secret: never in the log.
        return f"{which}: {'email to ' + row.target if row.channel == 'email' else 'webhook'}"

    async def _settled(
        self, session: AsyncSession, row: AdvocacyNotice, ctx: Loaded, number: int, error: str | None
    ) -> None:
        row.last_error = error
        settle_times(ctx.request, row)
        # Our outcome is written first: on SQLite that takes the write lock, so the read below is current;
        # on PostgreSQL the request row is locked, so two notices of one request sum up one after the other.
        await session.flush()
        request = await session.get(AdvocacyRequest, row.request_id, with_for_update=True, populate_existing=True)
        if request is None:
            return
        notices = await session.scalars(
            select(AdvocacyNotice)
            .where(AdvocacyNotice.request_id == request.id)
            .execution_options(populate_existing=True)
        )
        summarise(request, list(notices))
        where = self._describe(row, ctx)
        if row.status == SENT:
            log.info("%s sent (attempt %d)", where, number)
        elif row.status == FAILED:
            log.error("%s failed for good after %d attempts: %s; staff must pass it on", where, number, error)
