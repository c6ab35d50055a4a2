"""Sends NOTIFYs on a PostgreSQL channel in order, from one background task, without making callers wait."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# PostgreSQL refuses a payload of 8000 bytes or more.
MAX_PAYLOAD_BYTES = 7900
ATTEMPTS = 3
FLUSH_SECONDS = 5.0

Fallback = Callable[[], None]


class Notifier:
    """`send` queues; the task sends what has queued up in one transaction (so in order) and retries.

    If every attempt fails, each message's fallback runs instead (e.g. tell this process's own pages).
    """

    def __init__(self, engine: AsyncEngine, channel: str) -> None:
        self._engine = engine
        self._channel = channel
        self._queue: asyncio.Queue[tuple[str, Fallback | None]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"notify-{self._channel}")

    def send(self, payload: str, fallback: Fallback | None = None) -> None:
        """Never blocks. The caller keeps the payload under MAX_PAYLOAD_BYTES (PostgreSQL would refuse it)."""
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise ValueError("NOTIFY payload too long")
        self._queue.put_nowait((payload, fallback))

    async def close(self) -> None:
        """Send what is still queued (an alert committed just before shutdown must still reach the others)."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), FLUSH_SECONDS)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._send(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _send(self, batch: list[tuple[str, Fallback | None]]) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._engine.connect() as conn:
                    for payload, _ in batch:
                        await conn.execute(select(func.pg_notify(self._channel, payload)))
                    await conn.commit()
                return
            except Exception as exc:  # the database may be restarting: try again shortly
                log.warning("NOTIFY on %s failed (attempt %d of %d): %s", self._channel, attempt, ATTEMPTS, exc)
                if attempt < ATTEMPTS:
                    await asyncio.sleep(0.2 * 2**attempt)
        log.error("NOTIFY on %s failed for good: %d message(s) only reach this process", self._channel, len(batch))
        for _, fallback in batch:
            if fallback is not None:
                try:
                    fallback()
                except Exception:
                    log.exception("fallback for an unsent notification failed")
