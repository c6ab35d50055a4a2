"""Delivers queued notifications in background tasks, retrying with exponential backoff.

The queue is the alert_notifications table, so nothing is lost on restart: `poll()`
(called by the escalation loop every tick, and at start) picks up any pending row
that no task is working on. Every attempt is recorded with its outcome.

Several backend processes may poll the same table, so each attempt is claimed first: a
compare-and-set on the row (still pending, same attempt count, same next_attempt_at) that
moves next_attempt_at a lease ahead. Only one process wins; nobody else sees the row as due
until the lease runs out, so a process killed while sending is replaced by another after
`claim_lease_seconds`, and a clean stop gives its claim back at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import FAILED, PENDING, SENT, Alert, AlertNotification, NotificationAttempt
from backend.alerts.senders import send_one
from backend.alerts.store import record
from backend.config import Settings
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


def backoff_seconds(failed_attempts: int, base: float, cap: float) -> float:
    """Wait before the next try: base, 2*base, 4*base ... never more than cap."""
    return min(cap, base * 2 ** max(0, failed_attempts - 1))


class NotificationDispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker,
        settings: Settings,
        http: aiohttp.ClientSession,
        on_change: Callable[[Alert], None] | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._http = http
        self._on_change = on_change
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()

    def kick(self, notification_ids: Iterable[int]) -> None:
        """Start delivering these now (after their rows are committed)."""
        for nid in notification_ids:
            if nid in self._in_flight:
                continue
            self._in_flight.add(nid)
            task = asyncio.create_task(self._deliver(nid), name=f"alert-notification-{nid}")
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("notification task crashed", exc_info=task.exception())

    async def poll(self) -> None:
        """Resume pending notifications nobody is working on (after a restart, or a crashed task)."""
        async with self._sessionmaker() as session:
            ids = await session.scalars(
                select(AlertNotification.id).where(
                    AlertNotification.status == PENDING, AlertNotification.next_attempt_at <= utcnow()
                )
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

    async def _deliver(self, nid: int) -> None:
        try:
            if await self._attempt(nid, retry=False):
                while await self._attempt(nid, retry=True):
                    pass
        finally:
            self._in_flight.discard(nid)

    async def _load(self, nid: int) -> tuple[AlertNotification, Alert] | None:
        async with self._sessionmaker() as session:
            note = await session.get(AlertNotification, nid)
            if note is None or note.status != PENDING:
                return None
            alert = await session.get(Alert, note.alert_id)
            return None if alert is None else (note, alert)

    async def _attempt(self, nid: int, retry: bool) -> bool:
        """One try (a retry waits for its time first); True while it should be tried again.

        A first try of a row that is not due is left alone: another process has claimed it or
        is waiting to retry it, and `poll` brings it back here if it is still pending when due.
        No database connection is held while waiting or sending.
        """
        sg = self._settings.safeguarding
        loaded = await self._load(nid)
        if loaded is None:
            return False
        note, alert = loaded
        wait = (note.next_attempt_at - utcnow()).total_seconds()
        if wait > 0:
            if not retry:
                return False
            await asyncio.sleep(wait)
        lease = await self._claim(note)
        if lease is None:
            return False  # another process has it (or has just finished it)
        error: str | None = None
        try:
            await send_one(alert, note, smtp=self._settings.smtp, http=self._http, public_url=self._settings.public_url)
        except asyncio.CancelledError:
            await self._release(note, lease)
            raise
        except Exception as exc:  # any failure is recorded and retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = utcnow()
        number = note.attempts + 1
        where = _describe(note)
        async with self._sessionmaker() as session:
            claimed_attempts = note.attempts
            note = await session.get(AlertNotification, nid, with_for_update=True, populate_existing=True)
            alert = await session.get(Alert, alert.id)
            if note is None or alert is None:
                return False
            session.add(NotificationAttempt(notification_id=nid, number=number, at=now, ok=error is None, error=error))
            if note.status != PENDING or note.attempts != claimed_attempts:
                # Our lease ran out mid-send and another process took over: it owns the outcome.
                log.error(
                    "alert %s: %s attempt took longer than the %g s claim; another process took over",
                    alert.id,
                    where,
                    sg.claim_lease_seconds,
                )
                await session.commit()
                return False
            note.attempts = number
            if error is None:
                note.status, note.sent_at = SENT, now
                await record(session, alert, "notified", detail=f"{where}, {note.reason}, attempt {number}")
                log.info("alert %s: %s sent (%s)", alert.id, where, note.reason)
            elif number >= sg.retry_attempts:
                note.status = FAILED
                await record(
                    session,
                    alert,
                    "notify_failed",
                    detail=f"{where}, {note.reason}: gave up after {number} attempts: {error}",
                )
                log.error("alert %s: %s failed for good after %d attempts: %s", alert.id, where, number, error)
            else:
                delay = backoff_seconds(number, sg.retry_base_seconds, sg.retry_max_seconds)
                note.next_attempt_at = now + timedelta(seconds=delay)
                log.warning(
                    "alert %s: %s attempt %d failed (%s); retrying in %.1f s", alert.id, where, number, error, delay
                )
            await session.commit()
        if note.status == PENDING:
            return True
        if self._on_change is not None:
            self._on_change(alert)
        return False

    async def _claim(self, note: AlertNotification) -> datetime | None:
        """Take this attempt for this process; the lease's end, or None if the row changed meanwhile."""
        now = utcnow()
        # From its due time if the sleep woke a hair early by the wall clock.
        until = max(now, note.next_attempt_at) + timedelta(seconds=self._settings.safeguarding.claim_lease_seconds)
        async with self._sessionmaker() as session:
            result = await session.execute(
                update(AlertNotification)
                .where(
                    AlertNotification.id == note.id,
                    AlertNotification.status == PENDING,
                    AlertNotification.attempts == note.attempts,
                    AlertNotification.next_attempt_at == note.next_attempt_at,
                )
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
        return until if result.rowcount == 1 else None

    async def _release(self, note: AlertNotification, lease: datetime) -> None:
        """Stopping cleanly mid-send: make the row due again now, for the next start or another process."""
        try:
            async with self._sessionmaker() as session:
                await session.execute(
                    update(AlertNotification)
                    .where(
                        AlertNotification.id == note.id,
                        AlertNotification.status == PENDING,
                        AlertNotification.next_attempt_at == lease,
                    )
                    .values(next_attempt_at=note.next_attempt_at)
                    .execution_options(synchronize_session=False)
                )
                await session.commit()
        except Exception:  # the lease still runs out by itself
            log.exception("notification %s: could not give back its claim", note.id)


def _describe(note: AlertNotification) -> str:
    # A webhook URL may hold a secret (chat-service tokens): never write it into the history.
    if note.channel == "email":
        return f"email to {note.target}"
    return f"webhook ({note.contact_name})" if note.contact_name else "webhook"
