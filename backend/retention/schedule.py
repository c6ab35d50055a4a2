"""Runs the retention job once a day at RETENTION_TIME (Europe/London) inside the server.

Every backend process runs this loop; `daily_run` makes sure only one of them purges each day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.cluster.daily import once_a_day
from backend.config import Settings
from backend.deadlines import local_date
from backend.reminders.schedule import seconds_until
from backend.retention.job import PurgeReport, purge
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


async def daily_run(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> PurgeReport | None:
    """Today's purge, unless another backend process has done it (then None)."""
    return await once_a_day(
        sessionmaker, "daily_retention", local_date(now), lambda: purge(sessionmaker, settings, now)
    )


async def _loop(app: web.Application) -> None:
    at = app[SETTINGS].retention.run_at
    assert at is not None
    while True:
        await asyncio.sleep(seconds_until(at, utcnow()))
        try:
            await daily_run(app[SESSIONMAKER], app[SETTINGS], utcnow())
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
