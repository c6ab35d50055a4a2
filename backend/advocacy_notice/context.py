"""Start and stop the advocacy notice dispatcher with the app, and the loop that resumes its outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from backend.advocacy_notice.dispatch import AdvocacyNoticeDispatcher
from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.config import Settings

log = logging.getLogger(__name__)

NOTICE_DISPATCHER = web.AppKey("advocacy_notice_dispatcher", AdvocacyNoticeDispatcher)
NOTICE_TASK = web.AppKey("advocacy_notice_task", asyncio.Task)


def describe(settings: Settings) -> str:
    """One start-up line saying how the default provider is told, so a missing address is noticed at once."""
    ways = []
    if settings.advocacy_provider_email:
        mail = "" if settings.smtp is not None else " (but SMTP_HOST is not set: it cannot be sent)"
        ways.append(f"email to {settings.advocacy_provider_email}{mail}")
    if settings.advocacy_provider_webhook_url:
        ways.append("a webhook")
    nowhere = "nothing (no ADVOCACY_PROVIDER_EMAIL or ADVOCACY_PROVIDER_WEBHOOK_URL): staff pass it on"
    how = " and ".join(ways) or nowhere
    return (
        f"advocacy requests: {settings.advocacy_provider_name} is told by {how}; homes with their own provider "
        f"are told at their own address; {settings.advocacy_notice.retry.attempts} attempts each"
    )


async def poll_loop(dispatcher: AdvocacyNoticeDispatcher, tick_seconds: float) -> None:
    """Pick up notices nobody is sending: after a restart, a crashed task, or a killed process's claim."""
    while True:
        try:
            await dispatcher.poll()
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database hiccup must not stop the outbox for good: log and look again next tick.
            log.exception("advocacy notice pass failed; retrying")
        await asyncio.sleep(tick_seconds)


async def advocacy_notice_context(app: web.Application) -> AsyncIterator[None]:
    """Added after the database context, so it stops before the engine is disposed."""
    settings = app[SETTINGS]
    log.info(describe(settings))
    http = aiohttp.ClientSession()
    dispatcher = AdvocacyNoticeDispatcher(app[SESSIONMAKER], settings, http)
    app[NOTICE_DISPATCHER] = dispatcher
    task = asyncio.create_task(poll_loop(dispatcher, settings.advocacy_notice.tick_seconds), name="advocacy-notices")
    app[NOTICE_TASK] = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await dispatcher.close()
    await http.close()
