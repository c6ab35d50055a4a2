"""In-process pub/sub: the API publishes an alert after commit; each open staff page gets it at once.

With several backend processes (PostgreSQL), backend/alerts/relay.py sends every publish through
the database instead and delivers what it hears here, so every process's pages get every alert.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

# A page that falls this far behind is dropped; it reconnects and gets a fresh snapshot.
QUEUE_SIZE = 500


class Subscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)


class AlertBroadcaster:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self.closed = False

    def subscribe(self) -> Subscription:
        sub = Subscription()
        if self.closed:
            sub.queue.put_nowait(None)  # shutting down: the stream ends at once
        else:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def start(self) -> None:
        """Nothing to start in one process (the relay listens to the database here)."""

    async def aclose(self) -> None:
        """After close(), once the app stops (the relay flushes and stops listening here)."""

    def publish(self, alert: dict[str, Any]) -> None:
        """Never blocks and never raises: the caller is answering the action server."""
        self.deliver(alert)

    def deliver(self, alert: dict[str, Any]) -> None:
        """Hand an alert summary to every page connected to this process."""
        for sub in list(self._subscribers):
            try:
                sub.queue.put_nowait(alert)
            except asyncio.QueueFull:
                log.warning("alert stream subscriber too slow; disconnecting it")
                self._drop(sub)

    def resync(self) -> None:
        """End every open stream (not later ones): each page reconnects and gets a fresh snapshot.

        For when alerts may have been missed (the relay's database connection was lost for a while).
        """
        for sub in list(self._subscribers):
            self._drop(sub)

    def close(self) -> None:
        """On shutdown: tell every stream to end so the server can stop."""
        self.closed = True
        for sub in list(self._subscribers):
            self._drop(sub)

    def _drop(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)
