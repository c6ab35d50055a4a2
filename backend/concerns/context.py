"""Start and stop the unread-concern reminder loop with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.concerns.reminders import reminder_loop
from backend.config import Settings

log = logging.getLogger(__name__)

REMINDER_TASK = web.AppKey("concern_reminder_task", asyncio.Task)


def describe(settings: Settings) -> str:
    """One start-up line saying who is reminded, so a missing mail server is noticed at once."""
    extra = len(settings.concerns.notify_emails)
    mail = "by email" if settings.smtp is not None else "in the log only (SMTP_HOST is not set)"
    return (
        f"safeguarding concerns: review queue; unread ones past their working day are reminded {mail} "
        f"to safeguarding leads{f' and {extra} more address(es)' if extra else ''}, "
        f"checked every {settings.concerns.reminder_period_seconds:g} s"
    )


async def concerns_context(app: web.Application) -> AsyncIterator[None]:
    """Added after the database context, so it stops before the engine is disposed."""
    settings = app[SETTINGS]
    log.info(describe(settings))
    task = asyncio.create_task(reminder_loop(app[SESSIONMAKER], settings), name="concern-reminders")
    app[REMINDER_TASK] = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
