"""A durable outbox for safeguarding alerts and concerns, and for submissions the backend could not take.

A record is written to a local SQLite file (synchronous=FULL) before anything
else, then delivered to the backend. Delivery is retried with back-off until the
backend answers 2xx; the backend de-duplicates on the idempotency key, so a
record arrives exactly once even if a response is lost. Records go out in the
order they were written (a concern before the alert that names it). The delivery
loop runs inside the action server and also picks up records left over from
before a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ALERT = "alert"
CONCERN = "concern"
# A child's submission made while the backend was away: sent by itself when it is back.
SUBMISSION = "submission"
KINDS = (ALERT, CONCERN, SUBMISSION)
# Delivers one record of a kind; raises on any failure.
Deliver = Callable[[str, dict[str, Any]], Awaitable[None]]

MAX_BACKOFF_SECONDS = 30.0
POLL_SECONDS = 1.0
# A delivered row keeps only its key (so a repeat is recognised) and is deleted after a day.
DELIVERED_KEEP_SECONDS = 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    idempotency_key TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    delivered_at REAL,
    last_error TEXT,
    kind TEXT NOT NULL DEFAULT 'alert'
)
"""


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute(_SCHEMA)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
            if "kind" not in columns:  # a file written before concerns existed: all alerts
                conn.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert'")

    @classmethod
    def from_env(cls) -> Outbox:
        return cls(Path(os.environ.get("OUTBOX_DIR", "var/outbox")) / "alerts.sqlite3")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA synchronous=FULL")  # survive a power cut, not just a crash
        conn.execute("PRAGMA secure_delete=ON")  # words taken out are overwritten, not left in free pages
        return conn

    def put(self, payload: dict[str, Any], kind: str = ALERT) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown outbox kind {kind!r}")
        now = time.time()
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO outbox (idempotency_key, payload, created_at, next_attempt_at, kind) "
                "VALUES (?, ?, ?, ?, ?)",
                (payload["idempotency_key"], json.dumps(payload), now, now, kind),
            )

    def due(self, now: float | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(kind, payload) of every record due a delivery attempt, oldest first."""
        now = time.time() if now is None else now
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT kind, payload FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? "
                "ORDER BY created_at, rowid",
                (now,),
            ).fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def is_delivered(self, key: str) -> bool:
        with self._connect() as conn:
            row = conn.execute("SELECT delivered_at FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
        return bool(row and row[0])

    def pending_count(self) -> int:
        with self._connect() as conn:
            count: int = conn.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL").fetchone()[0]
            return count

    def mark_delivered(self, key: str) -> None:
        # The backend has the child's words now: the outbox keeps no copy of them.
        with self._connect() as conn:
            conn.execute(
                "UPDATE outbox SET delivered_at = ?, last_error = NULL, payload = '{}' WHERE idempotency_key = ?",
                (time.time(), key),
            )

    def purge_delivered(self, now: float | None = None) -> int:
        """Delete rows delivered more than a day ago; returns how many went."""
        cutoff = (time.time() if now is None else now) - DELIVERED_KEEP_SECONDS
        with self._connect() as conn:
            return conn.execute(
                "DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", (cutoff,)
            ).rowcount

    def mark_failed(self, key: str, error: str) -> None:
        with self._connect() as conn:
            (attempts,) = conn.execute("SELECT attempts FROM outbox WHERE idempotency_key = ?", (key,)).fetchone()
            backoff = min(MAX_BACKOFF_SECONDS, 0.5 * 2**attempts)
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
                "WHERE idempotency_key = ?",
                (time.time() + backoff, error[:500], key),
            )

    async def deliver_due(self, deliver: Deliver) -> int:
        """Try every due record once; returns how many were delivered."""
        delivered = 0
        for kind, payload in self.due():
            key = payload["idempotency_key"]
            try:
                await deliver(kind, payload)
            except Exception as exc:  # any failure: keep it and try again later
                log.warning("safeguarding %s %s not delivered yet: %s", kind, key, exc)
                self.mark_failed(key, str(exc) or type(exc).__name__)
            else:
                self.mark_delivered(key)
                delivered += 1
        return delivered

    async def run_forever(self, deliver: Deliver) -> None:
        while True:
            try:
                await self.deliver_due(deliver)
                self.purge_delivered()
            except Exception:  # the loop itself must never die
                log.exception("outbox delivery loop error")
            await asyncio.sleep(POLL_SECONDS)


def start_delivery_with_server(outbox_factory: Callable[[], Outbox], deliver: Deliver) -> None:
    """Run the delivery loop for as long as the action server runs.

    rasa-sdk creates its Sanic app before importing the actions package, so the
    app can be found here and given start/stop listeners.
    """
    try:
        from sanic import Sanic

        app = Sanic.get_app("rasa_sdk")
    except Exception:  # imported outside the action server (tests, tools)
        return

    async def start(app: Any, loop: asyncio.AbstractEventLoop) -> None:
        app.ctx.outbox_task = loop.create_task(outbox_factory().run_forever(deliver))

    async def stop(app: Any, loop: asyncio.AbstractEventLoop) -> None:
        task = getattr(app.ctx, "outbox_task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")
