"""Runs the retention job once a day at RETENTION_TIME (Europe/London) inside the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.reminders.schedule import seconds_until
from backend.retention.job import purge
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


async def _loop(app: web.Application) -> None:
    at = app[SETTINGS].retention.run_at
    assert at is not None
    while True:
        await asyncio.sleep(seconds_until(at, utcnow()))
        try:
            await purge(app[SESSIONMAKER], app[SETTINGS], utcnow())
        except Exception:  # one bad night must not stop tomorrow's run
            log.exception("daily retention job failed")
        await asyncio.sleep(1)  # step past the minute so it runs once


async def daily_retention(app: web.Application) -> AsyncIterator[None]:
    if app[SETTINGS].retention.run_at is None:
        yield
        return
    task = asyncio.create_task(_loop(app), name="daily-retention")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
