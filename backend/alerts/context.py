"""Start and stop the alerts machinery with the app: broadcaster, HTTP client, dispatcher, escalation loop.

On PostgreSQL the broadcaster is relayed through LISTEN/NOTIFY (backend/alerts/relay.py), so several
backend processes can serve the live pages; on SQLite (one process) it stays in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from backend.alerts.broadcast import AlertBroadcaster
from backend.alerts.dispatch import NotificationDispatcher
from backend.alerts.escalation import escalation_loop
from backend.alerts.keys import BROADCASTER, DISPATCHER, ESCALATION_TASK, HTTP
from backend.alerts.relay import RelayedBroadcaster
from backend.alerts.store import summary
from backend.appkeys import ENGINE, SESSIONMAKER, SETTINGS
from backend.cluster.postgres import is_postgres
from backend.config import Settings

log = logging.getLogger(__name__)


def describe(settings: Settings) -> str:
    """One start-up line saying who will be told, so a missing notifier is noticed at once."""
    sg = settings.safeguarding
    email = f"email to {len(sg.notify_emails)} address(es)" if sg.notify_emails else "no email"
    if sg.notify_emails and settings.smtp is None:
        email += " (but SMTP_HOST is not set: emails will fail)"
    homes = f", {len(sg.escalation_by_home)} home(s) with their own list" if sg.escalation_by_home else ""
    return (
        f"safeguarding alerts: live page; {email}; {'a webhook' if sg.webhook_url else 'no webhook'}; "
        f"escalation after {sg.escalate_after_seconds:g} s through {len(sg.escalation)} contact(s){homes}"
    )


async def alerts_context(app: web.Application) -> AsyncIterator[None]:
    """Added after the database context, so it stops before the engine is disposed."""
    settings = app[SETTINGS]
    log.info(describe(settings))
    engine = app[ENGINE]
    broadcaster = RelayedBroadcaster(engine, app[SESSIONMAKER]) if is_postgres(engine) else AlertBroadcaster()
    if isinstance(broadcaster, RelayedBroadcaster):
        log.info("live alerts: shared with every backend process through PostgreSQL (LISTEN alert_events)")
    await broadcaster.start()
    http = aiohttp.ClientSession()
    dispatcher = NotificationDispatcher(
        app[SESSIONMAKER],
        settings,
        http,
        on_change=lambda alert: broadcaster.publish(summary(alert).model_dump(mode="json")),
    )
    app[BROADCASTER] = broadcaster
    app[HTTP] = http
    app[DISPATCHER] = dispatcher
    loop_task = asyncio.create_task(
        escalation_loop(app[SESSIONMAKER], settings.safeguarding, dispatcher, broadcaster), name="alert-escalation"
    )
    app[ESCALATION_TASK] = loop_task
    yield
    broadcaster.close()
    loop_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop_task
    await dispatcher.close()
    await broadcaster.aclose()
    await http.close()


async def end_streams(app: web.Application) -> None:
    """on_shutdown: open event streams end first, so the server is not held open by them."""
    if BROADCASTER in app:
        app[BROADCASTER].close()
