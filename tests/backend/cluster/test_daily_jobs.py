"""Jobs every replica runs but only one may do: the daily reminder, the daily purge, concern reminders.

Each "replica" here has its own engine (its own connections), as two processes would.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.cluster.daily import once_a_day
from backend.concerns.reminders import remind_unread
from backend.config import Settings, SmtpSettings
from backend.db import make_engine, make_sessionmaker, migrate
from backend.reminders import schedule as reminders
from backend.retention import schedule as retention
from backend.timeutil import utcnow
from tests.backend.cluster.conftest import add_staff
from tests.backend.concerns.support import stored_at
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

# Correctness deadline only.
LIMIT = 15.0
# Friday 4 December 2026, 16:00 UK time: the concern's working day ends Monday 7 December, 16:00.
RECEIVED = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


@pytest.fixture
async def two(pg_settings: Settings) -> AsyncIterator[tuple[async_sessionmaker, async_sessionmaker]]:
    """The database as replicas A and B see it: separate engines, separate connections."""
    engines = [make_engine(pg_settings.database_url) for _ in range(2)]
    yield make_sessionmaker(engines[0]), make_sessionmaker(engines[1])
    for engine in engines:
        await engine.dispose()


def _mailing(settings: Settings, port: int) -> Settings:
    return dataclasses.replace(settings, smtp=SmtpSettings(host="127.0.0.1", port=port, security="none"))


async def _b_is_waiting(pg: asyncpg.Connection) -> bool:
    """Replica B is queued on the job's advisory lock."""
    return await pg.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") == 1


async def test_the_daily_reminder_is_sent_once_when_two_replicas_wake_at_the_same_time(
    pg_settings: Settings,
    two: tuple[async_sessionmaker, async_sessionmaker],
    smtp: SmtpServer,
    pg: asyncpg.Connection,
) -> None:
    a, b = two
    settings = _mailing(pg_settings, smtp.port)
    await add_staff(a, "lead", "safeguarding_lead", email="lead@council.example")
    await stored_at(a, settings, utcnow() - timedelta(days=5), "cluster-concern-1")
    now = utcnow()
    runs = await asyncio.gather(reminders.daily_run(a, settings, now), reminders.daily_run(b, settings, now))
    assert sorted(r is None for r in runs) == [False, True]  # one replica sent, the other skipped
    (sent,) = [r for r in runs if r is not None]
    assert [x.username for x in sent] == ["lead"]
    assert [m.recipients for m in smtp.received] == [["lead@council.example"]]
    assert await pg.fetchval("SELECT count(*) FROM audit_log WHERE action = 'reminder_sent'") == 1
    # Later the same day (a restarted replica, say): nothing more.
    assert await reminders.daily_run(b, settings, now + timedelta(minutes=5)) is None
    assert len(smtp.received) == 1


async def test_the_daily_purge_runs_once_across_replicas(
    pg_settings: Settings, two: tuple[async_sessionmaker, async_sessionmaker]
) -> None:
    a, b = two
    now = utcnow()
    runs = await asyncio.gather(retention.daily_run(a, pg_settings, now), retention.daily_run(b, pg_settings, now))
    assert sorted(r is None for r in runs) == [False, True]
    assert await retention.daily_run(a, pg_settings, now + timedelta(days=1)) is not None  # the next day: again


async def test_a_replica_arriving_while_another_runs_the_job_waits_then_skips_it(
    two: tuple[async_sessionmaker, async_sessionmaker], pg: asyncpg.Connection
) -> None:
    a, b = two
    day = utcnow().date()
    running, finish = asyncio.Event(), asyncio.Event()

    async def slow() -> str:
        running.set()
        await finish.wait()
        return "done by A"

    async def never() -> str:
        raise AssertionError("B must not run the job A has done")

    first = asyncio.create_task(once_a_day(a, "cluster_test", day, slow))
    await asyncio.wait_for(running.wait(), LIMIT)
    second = asyncio.create_task(once_a_day(b, "cluster_test", day, never))

    await wait_for_async(lambda: _b_is_waiting(pg), within=LIMIT)  # queued on the job's lock, not running the job
    finish.set()
    assert await asyncio.wait_for(first, LIMIT) == "done by A"
    assert await asyncio.wait_for(second, LIMIT) is None


async def test_if_the_replica_running_the_job_fails_the_waiting_one_does_it(
    two: tuple[async_sessionmaker, async_sessionmaker], pg: asyncpg.Connection
) -> None:
    a, b = two
    day = utcnow().date()
    running, fail = asyncio.Event(), asyncio.Event()

    async def breaks() -> str:
        running.set()
        await fail.wait()
        raise RuntimeError("mail server gone")

    async def works() -> str:
        return "done by B"

    first = asyncio.create_task(once_a_day(a, "cluster_test", day, breaks))
    await asyncio.wait_for(running.wait(), LIMIT)
    second = asyncio.create_task(once_a_day(b, "cluster_test", day, works))

    await wait_for_async(lambda: _b_is_waiting(pg), within=LIMIT)
    fail.set()
    with pytest.raises(RuntimeError, match="mail server gone"):
        await asyncio.wait_for(first, LIMIT)
    assert await asyncio.wait_for(second, LIMIT) == "done by B"


async def test_on_sqlite_the_daily_job_simply_runs_as_before(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}"
    await asyncio.to_thread(migrate, url)
    engine = make_engine(url)
    try:
        db = make_sessionmaker(engine)
        runs = [await once_a_day(db, "cluster_test", utcnow().date(), lambda: asyncio.sleep(0, "ran")) for _ in "ab"]
    finally:
        await engine.dispose()
    assert runs == ["ran", "ran"]  # one process by design: no lock, no marker


async def test_an_unread_concern_is_reminded_once_when_both_replicas_check_at_once(
    pg_settings: Settings,
    two: tuple[async_sessionmaker, async_sessionmaker],
    smtp: SmtpServer,
    pg: asyncpg.Connection,
) -> None:
    a, b = two
    settings = _mailing(pg_settings, smtp.port)
    await add_staff(a, "lead", "safeguarding_lead", email="lead@council.example")
    concerns = [(await stored_at(a, settings, RECEIVED, f"cluster-unread-{i}")).id for i in range(5)]
    reminded = await asyncio.gather(remind_unread(a, settings, DUE), remind_unread(b, settings, DUE))
    assert sorted(reminded[0] + reminded[1]) == concerns  # each concern by one replica or the other
    assert len(smtp.received) == len(concerns)
    counts = await pg.fetch(
        "SELECT concern_id, count(*) AS n FROM safeguarding_concern_events WHERE kind = 'reminder_sent' GROUP BY 1"
    )
    assert {r["concern_id"]: r["n"] for r in counts} == dict.fromkeys(concerns, 1)
