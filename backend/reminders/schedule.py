"""Runs the reminder job once a day at Settings.reminder_time (Europe/London) inside the server.

Every backend process runs this loop; `daily_run` makes sure only one of them sends the day's reminders.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.appkeys import SESSIONMAKER, SETTINGS
from backend.cluster.daily import once_a_day
from backend.config import Settings
from backend.deadlines import LONDON, local_date
from backend.reminders.job import send_reminders
from backend.reminders.reminder import Reminder
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


def seconds_until(at: time, now: datetime) -> float:
    """Seconds from `now` to the next `at` o'clock in England (tomorrow if it has passed today)."""
    local = now.astimezone(LONDON)
    target = datetime.combine(local.date(), at, tzinfo=LONDON)
    if target <= local:
        target = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=LONDON)
    return (target - local).total_seconds()


async def daily_run(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime
) -> list[Reminder] | None:
    """Today's reminders, unless another backend process has sent them (then None)."""
    return await once_a_day(
        sessionmaker, "daily_reminders", local_date(now), lambda: send_reminders(sessionmaker, settings, now)
    )


async def _loop(app: web.Application) -> None:
    settings = app[SETTINGS]
    assert settings.reminder_time is not None
    while True:
        await asyncio.sleep(seconds_until(settings.reminder_time, utcnow()))
        try:
            await daily_run(app[SESSIONMAKER], settings, utcnow())
        except Exception:  # one bad day must not stop tomorrow's reminder
            log.exception("daily reminder failed")
        await asyncio.sleep(1)  # step past the minute so it runs once


async def daily_reminders(app: web.Application) -> AsyncIterator[None]:
    if app[SETTINGS].reminder_time is None:
        yield
        return
    task = asyncio.create_task(_loop(app), name="daily-reminders")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
