"""Delivers queued notifications in background tasks, retrying with exponential backoff.

The queue is an outbox table (alert_notifications; advocacy_notices for the advocacy
provider, backend/advocacy_notice/), so nothing is lost on restart: `poll()` (called by a
loop every tick, and at start) picks up any pending row that no task is working on. Every
attempt is recorded with its outcome.

Several backend processes may poll the same table, so each attempt is claimed first: a
compare-and-set on the row (still pending, same attempt count, same next_attempt_at) that
moves next_attempt_at a lease ahead. Only one process wins; nobody else sees the row as due
until the lease runs out, so a process killed while sending is replaced by another after
`claim_lease_seconds`, and a clean stop gives its claim back at once.

`OutboxDispatcher` is that machinery for any such table; a subclass says how one row is
sent and what its outcome means (`NotificationDispatcher` below for alerts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts.models import FAILED, PENDING, SENT, Alert, AlertNotification, NotificationAttempt
from backend.alerts.senders import send_one
from backend.alerts.settings import RetryPolicy
from backend.alerts.store import record
from backend.config import Settings
from backend.db import rowcount
from backend.timeutil import utcnow

log = logging.getLogger(__name__)

# An outbox row: an ORM object with id, status, attempts, next_attempt_at and sent_at.
Row = TypeVar("Row", bound=Any)
# What sending a row needs besides the row itself (the alert; the advocacy request).
Ctx = TypeVar("Ctx")


def backoff_seconds(failed_attempts: int, base: float, cap: float) -> float:
    """Wait before the next try: base, 2*base, 4*base ... never more than cap."""
    return min(cap, base * 2.0 ** max(0, failed_attempts - 1))


class OutboxDispatcher(Generic[Row, Ctx]):
    """Claims, sends, retries and settles the pending rows of one outbox table."""

    # Set by each subclass: the outbox table's ORM class, and a word for task names.
    model: type[Row]
    kind: str = "outbox"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], policy: RetryPolicy) -> None:
        self._sessionmaker = sessionmaker
        self._policy = policy
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()

    # -- what a subclass says ---------------------------------------------------------------

    async def _context(self, session: AsyncSession, row: Row) -> Ctx | None:
        """What the send needs; None drops the row (its parent is gone)."""
        raise NotImplementedError

    async def _send(self, row: Row, ctx: Ctx) -> None:
        """One attempt; raises on failure."""
        raise NotImplementedError

    def _describe(self, row: Row, ctx: Ctx) -> str:
        """For logs: what was sent where (never a secret from a webhook URL)."""
        raise NotImplementedError

    async def _record_attempt(
        self, session: AsyncSession, row: Row, number: int, at: datetime, error: str | None
    ) -> None:
        """Every attempt, even one whose lease ran out (default: nothing beyond the row)."""

    async def _settled(self, session: AsyncSession, row: Row, ctx: Ctx, number: int, error: str | None) -> None:
        """After the row took this attempt's outcome (sent, failed, or pending again), before commit."""

    def _changed(self, ctx: Ctx) -> None:
        """After the commit of a final outcome (sent or failed)."""

    # -- the machinery ----------------------------------------------------------------------

    def kick(self, row_ids: Iterable[int]) -> None:
        """Start delivering these now (after their rows are committed)."""
        for rid in row_ids:
            if rid in self._in_flight:
                continue
            self._in_flight.add(rid)
            task = asyncio.create_task(self._deliver(rid), name=f"{self.kind}-{rid}")
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s task crashed", self.kind, exc_info=task.exception())

    async def poll(self) -> None:
        """Resume pending rows nobody is working on (after a restart, or a crashed task)."""
        model = self.model
        async with self._sessionmaker() as session:
            ids = await session.scalars(
                select(model.id).where(model.status == PENDING, model.next_attempt_at <= utcnow())
            )
            self.kick([i for i in ids if i not in self._in_flight])

    async def close(self) -> None:
        """On shutdown: stop cleanly; unfinished rows stay pending and resume on the next start."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_idle(self) -> None:
        """For tests and shutdown: wait until nothing is being delivered."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, rid: int) -> None:
        try:
            if await self._attempt(rid, retry=False):
                while await self._attempt(rid, retry=True):
                    pass
        finally:
            self._in_flight.discard(rid)

    async def _load(self, rid: int) -> tuple[Row, Ctx] | None:
        async with self._sessionmaker() as session:
            row = await session.get(self.model, rid)
            if row is None or row.status != PENDING:
                return None
            ctx = await self._context(session, row)
            return None if ctx is None else (row, ctx)

    async def _attempt(self, rid: int, retry: bool) -> bool:
        """One try (a retry waits for its time first); True while it should be tried again.

        A first try of a row that is not due is left alone: another process has claimed it or
        is waiting to retry it, and `poll` brings it back here if it is still pending when due.
        No database connection is held while waiting or sending.
        """
        policy = self._policy
        loaded = await self._load(rid)
        if loaded is None:
            return False
        row, ctx = loaded
        wait = (row.next_attempt_at - utcnow()).total_seconds()
        if wait > 0:
            if not retry:
                return False
            await asyncio.sleep(wait)
        lease = await self._claim(row)
        if lease is None:
            return False  # another process has it (or has just finished it)
        error: str | None = None
        try:
            await self._send(row, ctx)
        except asyncio.CancelledError:
            await self._release(row, lease)
            raise
        except Exception as exc:  # any failure is recorded and retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = utcnow()
        number = row.attempts + 1
        where = self._describe(row, ctx)
        async with self._sessionmaker() as session:
            claimed_attempts = row.attempts
            fresh = await session.get(self.model, rid, with_for_update=True, populate_existing=True)
            if fresh is None:
                return False
            row = fresh
            reloaded = await self._context(session, row)
            if reloaded is None:
                return False
            ctx = reloaded
            await self._record_attempt(session, row, number, now, error)
            if row.status != PENDING or row.attempts != claimed_attempts:
                # Our lease ran out mid-send and another process took over: it owns the outcome.
                log.error(
                    "%s: attempt took longer than the %g s claim; another process took over",
                    where,
                    policy.claim_lease_seconds,
                )
                await session.commit()
                return False
            row.attempts = number
            if error is None:
                row.status, row.sent_at = SENT, now
            elif number >= policy.attempts:
                row.status = FAILED
            else:
                delay = backoff_seconds(number, policy.base_seconds, policy.max_seconds)
                row.next_attempt_at = now + timedelta(seconds=delay)
                log.warning("%s: attempt %d failed (%s); retrying in %.1f s", where, number, error, delay)
            await self._settled(session, row, ctx, number, error)
            await session.commit()
        if row.status == PENDING:
            return True
        self._changed(ctx)
        return False

    async def _claim(self, row: Row) -> datetime | None:
        """Take this attempt for this process; the lease's end, or None if the row changed meanwhile."""
        model = self.model
        now = utcnow()
        # From its due time if the sleep woke a hair early by the wall clock.
        until = max(now, row.next_attempt_at) + timedelta(seconds=self._policy.claim_lease_seconds)
        async with self._sessionmaker() as session:
            result = await session.execute(
                update(model)
                .where(
                    model.id == row.id,
                    model.status == PENDING,
                    model.attempts == row.attempts,
                    model.next_attempt_at == row.next_attempt_at,
                )
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return until if rowcount(result) == 1 else None

    async def _release(self, row: Row, lease: datetime) -> None:
        """Stopping cleanly mid-send: make the row due again now, for the next start or another process."""
        model = self.model
        try:
            async with self._sessionmaker() as session:
                await session.execute(
                    update(model)
                    .where(model.id == row.id, model.status == PENDING, model.next_attempt_at == lease)
                    .values(next_attempt_at=row.next_attempt_at)
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        except Exception:  # the lease still runs out by itself
            log.exception("%s %s: could not give back its claim", self.kind, row.id)


class NotificationDispatcher(OutboxDispatcher[AlertNotification, Alert]):
    """Safeguarding alert notifications: each try in alert_notification_attempts, outcomes in the alert's history."""

    model = AlertNotification
    kind = "alert-notification"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: aiohttp.ClientSession,
        on_change: Callable[[Alert], None] | None = None,
    ) -> None:
        super().__init__(sessionmaker, settings.safeguarding.retry)
        self._settings = settings
        self._http = http
        self._on_change = on_change

    async def _context(self, session: AsyncSession, row: AlertNotification) -> Alert | None:
        return await session.get(Alert, row.alert_id)

    async def _send(self, row: AlertNotification, ctx: Alert) -> None:
        await send_one(ctx, row, smtp=self._settings.smtp, http=self._http, public_url=self._settings.public_url)

    def _describe(self, row: AlertNotification, ctx: Alert) -> str:
        return f"alert {ctx.id}: {_describe(row)}"

    async def _record_attempt(
        self, session: AsyncSession, row: AlertNotification, number: int, at: datetime, error: str | None
    ) -> None:
        session.add(NotificationAttempt(notification_id=row.id, number=number, at=at, ok=error is None, error=error))

    async def _settled(
        self, session: AsyncSession, row: AlertNotification, ctx: Alert, number: int, error: str | None
    ) -> None:
        where = _describe(row)
        if row.status == SENT:
            await record(session, ctx, "notified", detail=f"{where}, {row.reason}, attempt {number}")
            log.info("alert %s: %s sent (%s)", ctx.id, where, row.reason)
        elif row.status == FAILED:
            await record(
                session, ctx, "notify_failed", detail=f"{where}, {row.reason}: gave up after {number} attempts: {error}"
            )
            log.error("alert %s: %s failed for good after %d attempts: %s", ctx.id, where, number, error)

    def _changed(self, ctx: Alert) -> None:
        if self._on_change is not None:
            self._on_change(ctx)


def _describe(note: AlertNotification) -> str:
    # A webhook URL may hold a secret (chat-service tokens): never write it into the history.
    if note.channel == "email":
        return f"email to {note.target}"
    return f"webhook ({note.contact_name})" if note.contact_name else "webhook"
