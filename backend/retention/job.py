"""The retention job: one run deletes everything whose time is up, and nothing still needed.

Run by `python -m backend purge` and daily inside the server (backend/retention/schedule.py).
Complaint records follow the statutory retention and are not touched here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.alerts.models import CLOSED, Alert
from backend.concerns.models import OPEN_STATES as OPEN_CONCERN_STATES
from backend.concerns.models import Concern
from backend.config import Settings
from backend.ratelimit import purge_failures
from backend.retention.tracker import TrackerPurge, purge_conversations
from backend.retention.transcripts import purge_alert_transcripts, purge_concern_transcripts
from backend.staff.sessions import purge_idle_sessions, session_limits
from backend.throttle.rules import TRUST_FOR, purge_trusted_clients

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    conversation_events: int
    alert_transcripts: int
    concern_transcripts: int
    sessions: int
    failed_logins: int
    trusted_login_clients: int

    def __str__(self) -> str:
        return (
            f"{self.conversations} conversation(s) ({self.conversation_events} events) from the tracker store, "
            f"the child's words from {self.alert_transcripts} alert(s) and {self.concern_transcripts} concern(s), "
            f"{self.sessions} expired session(s), {self.failed_logins} old failed-login record(s), "
            f"{self.trusted_login_clients} remembered login client(s) unused for {TRUST_FOR.days} days"
        )


async def conversations_still_needed(sessionmaker: async_sessionmaker[AsyncSession]) -> set[str]:
    """Conversations an alert or concern is still open for (staff may need to read or join them)."""
    async with sessionmaker() as session:
        alerts = await session.scalars(select(Alert.conversation_id).where(Alert.status != CLOSED))
        concerns = await session.scalars(select(Concern.conversation_id).where(Concern.status.in_(OPEN_CONCERN_STATES)))
        return set(alerts) | set(concerns)


async def purge(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, now: datetime) -> PurgeReport:
    retention = settings.retention
    tracker = (
        await purge_conversations(
            retention.tracker_url,
            now - timedelta(days=retention.conversation_days),
            await conversations_still_needed(sessionmaker),
        )
        if retention.tracker_url
        else TrackerPurge()
    )
    transcript_cutoff = now - timedelta(days=retention.transcript_days)
    async with sessionmaker() as session:
        alert_words = await purge_alert_transcripts(session, transcript_cutoff, retention.transcript_days, now)
        concern_words = await purge_concern_transcripts(session, transcript_cutoff, retention.transcript_days, now)
        limits = session_limits(settings)
        sessions = await purge_idle_sessions(session, now, limits.idle, limits.absolute)
        failures = await purge_failures(session, now)
        clients = await purge_trusted_clients(session, now)
        await session.commit()
    report = PurgeReport(
        conversations=tracker.conversations,
        conversation_events=tracker.events,
        alert_transcripts=alert_words,
        concern_transcripts=concern_words,
        sessions=sessions,
        failed_logins=failures,
        trusted_login_clients=clients,
    )
    log.info("retention: deleted %s", report)
    return report
