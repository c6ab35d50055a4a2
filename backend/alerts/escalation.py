"""The background loop: escalates unacknowledged alerts and resumes pending notifications.

All its state is in the database (next_escalation_at, pending notification rows),
so after a restart it simply carries on where it was.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts.broadcast import AlertBroadcaster
from backend.alerts.dispatch import NotificationDispatcher
from backend.alerts.settings import SafeguardingSettings
from backend.alerts.store import escalate_due, summary
from backend.timeutil import utcnow

log = logging.getLogger(__name__)


async def escalation_tick(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: SafeguardingSettings,
    dispatcher: NotificationDispatcher,
    broadcaster: AlertBroadcaster,
) -> int:
    """One pass; returns how many alerts were escalated."""
    async with sessionmaker() as session:
        changed, notification_ids = await escalate_due(session, settings, utcnow())
    for alert in changed:
        log.warning("safeguarding alert %s escalated to step %d", alert.id, alert.escalation_level)
        broadcaster.publish(summary(alert).model_dump(mode="json"))
    dispatcher.kick(notification_ids)
    await dispatcher.poll()
    return len(changed)


async def escalation_loop(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: SafeguardingSettings,
    dispatcher: NotificationDispatcher,
    broadcaster: AlertBroadcaster,
) -> None:
    while True:
        try:
            await escalation_tick(sessionmaker, settings, dispatcher, broadcaster)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database hiccup must not stop escalation for good: log and try again next tick.
            log.exception("escalation pass failed; retrying")
        await asyncio.sleep(settings.tick_seconds)
