"""The live alerts across several backend processes, through PostgreSQL LISTEN/NOTIFY.

`publish` only sends a NOTIFY on `alert_events`; every process (this one too) delivers what
its listener hears to its own pages. So each page gets each alert exactly once, whichever
process it is connected to and whichever one stored the alert. The payload is the alert's
summary, or only its id when the summary is too long for a NOTIFY (then it is read again here).
When the listener's connection was lost, nothing sent meanwhile was heard: once it listens
again every open stream ends, and each page reconnects to a fresh snapshot of open alerts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.alerts.broadcast import AlertBroadcaster
from backend.alerts.store import get_alert, summary
from backend.cluster.listen import Listener
from backend.cluster.notify import MAX_PAYLOAD_BYTES, Notifier
from backend.cluster.postgres import connect

log = logging.getLogger(__name__)

CHANNEL = "alert_events"


def encode(alert: dict[str, Any]) -> str:
    """The summary itself when it fits in a NOTIFY, else only the id (the child's message can be long)."""
    whole = json.dumps({"alert": alert}, separators=(",", ":"))
    if len(whole.encode()) <= MAX_PAYLOAD_BYTES:
        return whole
    return json.dumps({"id": alert["id"]})


class RelayedBroadcaster(AlertBroadcaster):
    def __init__(self, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._sessionmaker = sessionmaker
        self._notifier = Notifier(engine, CHANNEL)
        self.listener = Listener(lambda: connect(engine), CHANNEL, self._heard, self.resync)
        # Handled one at a time, so pages see the alerts in the order they were sent.
        self._inbox: asyncio.Queue[str] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._worker = asyncio.create_task(self._work(), name="alert-relay")
        self._notifier.start()
        await self.listener.start()

    async def aclose(self) -> None:
        await self._notifier.close()
        await self.listener.close()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def publish(self, alert: dict[str, Any]) -> None:
        """Never blocks and never raises; if the database cannot be told, at least this process's pages are."""
        try:
            self._notifier.send(encode(alert), fallback=lambda: self.deliver(alert))
        except Exception:
            log.exception("alert %s could not be queued for the other backend processes", alert.get("id"))
            self.deliver(alert)

    def _heard(self, payload: str) -> None:
        self._inbox.put_nowait(payload)

    async def _work(self) -> None:
        while True:
            payload = await self._inbox.get()
            try:
                alert = await self._decode(payload)
            except Exception:
                # The pages must not silently miss it: they reconnect and read the open alerts afresh.
                log.exception("could not read an alert notification; the live pages will reload")
                self.resync()
                continue
            if alert is not None:
                self.deliver(alert)

    async def _decode(self, payload: str) -> dict[str, Any] | None:
        data = json.loads(payload)
        if "alert" in data:
            alert: dict[str, Any] = data["alert"]
            return alert
        async with self._sessionmaker() as session:
            stored = await get_alert(session, int(data["id"]))
        return None if stored is None else summary(stored).model_dump(mode="json")
