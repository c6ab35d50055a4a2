"""Deleting quiet conversations from Rasa's SQL tracker store.

Rasa keeps one row per event in table `events` (`sender_id`, `timestamp` in epoch seconds).
A conversation goes as a whole once its LAST event is older than the cutoff, never in part.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from backend.config import normalise_database_url

EVENTS = sa.table("events", sa.column("sender_id", sa.String), sa.column("timestamp", sa.Float))
_BATCH = 500


@dataclass(frozen=True)
class TrackerPurge:
    conversations: int = 0
    events: int = 0


def _no_store_yet(url: str) -> bool:
    """A SQLite tracker file that does not exist yet: nothing to delete, and no file to create."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    return not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists()


def _has_events_table(conn: Connection) -> bool:
    return sa.inspect(conn).has_table("events")


async def purge_conversations(url: str, cutoff: datetime, keep: Collection[str]) -> TrackerPurge:
    """Delete every conversation whose last event is before `cutoff`, except those in `keep`."""
    url = normalise_database_url(url)
    if _no_store_yet(url):
        return TrackerPurge()
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            if not await conn.run_sync(_has_events_table):
                return TrackerPurge()
            stamp = cutoff.timestamp()
            quiet = (
                sa.select(EVENTS.c.sender_id)
                .group_by(EVENTS.c.sender_id)
                .having(sa.func.max(EVENTS.c.timestamp) < stamp)
            )
            senders = [s for s in await conn.scalars(quiet) if s not in keep]
            # A child may come back between the two statements: never delete a conversation with a new event.
            recent = sa.select(EVENTS.c.sender_id).where(EVENTS.c.timestamp >= stamp)
            events = 0
            for start in range(0, len(senders), _BATCH):
                batch = senders[start : start + _BATCH]
                result = await conn.execute(
                    sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch), EVENTS.c.sender_id.not_in(recent))
                )
                events += result.rowcount or 0
        return TrackerPurge(conversations=len(senders), events=events)
    finally:
        await engine.dispose()
