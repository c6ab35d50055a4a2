"""One connection LISTENing on a PostgreSQL channel, reconnected with back-off whenever it is lost.

A notification sent while the connection was down is never heard, so `on_connect` runs after
every (re)connection, once LISTEN is in place: the caller resynchronises there (for alerts: the
open streams end and the pages reconnect to a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg

log = logging.getLogger(__name__)

FIRST_DELAY = 0.2
MAX_DELAY = 10.0
# A half-open TCP connection never reports its loss: ask the server this often.
CHECK_SECONDS = 10.0


class Listener:
    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        channel: str,
        on_message: Callable[[str], None],
        on_connect: Callable[[], None],
        *,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self._connect = connect
        self._channel = channel
        self._on_message = on_message
        self._on_connect = on_connect
        self._check_seconds = check_seconds
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        # How many times LISTEN has been set up (tests wait for the next one).
        self.connections = 0

    @property
    def server_pid(self) -> int | None:
        """The PostgreSQL backend serving the listener now (None while disconnected)."""
        conn = self._conn
        return conn.get_server_pid() if conn is not None and not conn.is_closed() else None

    async def start(self, wait_seconds: float = 10.0) -> None:
        """Start listening; waits (a while) for the first LISTEN so no alert published after start-up is missed."""
        self._task = asyncio.create_task(self._run(), name=f"listen-{self._channel}")
        try:
            await asyncio.wait_for(self.wait_connected(1), wait_seconds)
        except TimeoutError:
            log.error("not listening on %s yet; carrying on and retrying in the background", self._channel)

    async def wait_connected(self, count: int) -> None:
        """Until LISTEN has been set up `count` times in all."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.connections >= count and self._conn is not None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            self._on_message(str(payload))  # asyncpg passes NOTIFY's text (its stubs say object)
        except Exception:
            log.exception("handling a notification on %s failed", self._channel)

    async def _open(self) -> tuple[asyncpg.Connection, asyncio.Event]:
        conn = await self._connect()
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self._channel, self._heard)
        except BaseException:
            conn.terminate()
            raise
        return conn, lost

    async def _run(self) -> None:
        delay = FIRST_DELAY
        while True:
            try:
                conn, lost = await self._open()
            except Exception as exc:  # any reason at all: try again later, never stop listening for good
                log.warning("cannot listen on %s (%s); retrying in %.1f s", self._channel, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)
                continue
            started = asyncio.get_running_loop().time()
            async with self._changed:
                self._conn = conn
                self.connections += 1
                self._changed.notify_all()
            if self.connections > 1:
                log.warning("listening on %s again", self._channel)
            try:
                self._on_connect()
            except Exception:
                log.exception("resynchronising after (re)connecting to %s failed", self._channel)
            try:
                await self._watch(conn, lost)
            finally:
                self._conn = None
                if not conn.is_closed():
                    conn.terminate()
            log.warning("lost the connection listening on %s; reconnecting", self._channel)
            # A connection that keeps dropping at once must not make a busy loop.
            lived = asyncio.get_running_loop().time() - started
            delay = FIRST_DELAY if lived >= MAX_DELAY else min(delay * 2, MAX_DELAY)
            await asyncio.sleep(delay)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Returns once the connection is gone (closed by the server, or not answering)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self._check_seconds)
                return
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), self._check_seconds)
            except Exception:  # whatever went wrong, this connection is no longer to be trusted
                return
