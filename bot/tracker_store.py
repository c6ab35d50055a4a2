"""Rasa's SQL tracker store, minus every access code and every reference written in text.

An access code is a credential: the child sees it once in the bot's reply (which the
channel returns straight from the dispatcher), and the stored conversation keeps only
"[code removed]". The same goes for a code the child types to check on a complaint,
and for references in any text, so a transcript read later (a handoff, an alert, a
support query) cannot point back to an anonymous submission.

The two slots that carry a reference to the next turn (the complaint just sent,
for the advocate offer; a reference typed to check status) hold it sealed by the
actions (actions/sealed.py), so a sealed value is stored as it is.
Configured in bot/endpoints.yml as `type: bot.tracker_store.RedactingSQLTrackerStore`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from actions.redact import redact, without
from actions.status import find_access_code

# A credential: never stored, not even for a turn.
CREDENTIAL_SLOTS = frozenset({"status_access_code"})
# References the next turn needs, sealed by the actions; emptied once used.
SEALED_SLOTS = frozenset({"last_reference", "status_reference", "next_stage_pass"})
# Every Fernet token starts with its version byte, base64-encoded.
SEALED_PREFIX = "gAAAAA"
# About 7 s in all: a PostgreSQL restart takes one or two.
RETRY_DELAYS_SECONDS = (0.2, 0.5, 1.0, 2.0, 3.0)

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _redact_strings(value: Any, codes: frozenset[str] = frozenset()) -> Any:
    if isinstance(value, str):
        return without(redact(value), codes)
    if isinstance(value, dict):
        return {key: _redact_strings(item, codes) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_strings(item, codes) for item in value]
    return value


def codes_in(events: list[dict[str, Any]]) -> frozenset[str]:
    """Every code the status check took from the child's words in these events: whatever words
    it came in ("its 3r44j3" answering "Now type your code"), it is taken out of every text."""
    found = set()
    for data in events:
        if data.get("event") == "slot" and data.get("name") in CREDENTIAL_SLOTS and isinstance(data.get("value"), str):
            code = find_access_code(data["value"])
            if code:
                found.add(code)
    return frozenset(found)


def redact_event(data: dict[str, Any], codes: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The event as it may be stored (a new dict; `data` is not changed)."""
    if data.get("event") == "slot":
        if data.get("name") in CREDENTIAL_SLOTS:
            return {**data, "value": None}
        value = data.get("value")
        if data.get("name") in SEALED_SLOTS and isinstance(value, str) and value.startswith(SEALED_PREFIX):
            return data
    return _redact_strings(data, codes)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose new events are redacted on their way into the database.

    Rasa's `save` stores what `_additional_events` yields, and counts stored events to
    know where to start next time; a redacted copy keeps that count the same.
    """

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        events = list(super()._additional_events(session, tracker))
        # A turn's events are saved together: the code slot set after the message names the code in it.
        codes = codes_in([event.as_dict() for event in events])
        for event in events:
            data = event.as_dict()
            cleaned = redact_event(data, codes)
            yield event if cleaned == data else Event.from_parameters(cleaned)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            # A server restart leaves dead connections in the pool: test each before use.
            self.engine = sa.create_engine(
                self.engine.url, pool_pre_ping=True, **create_engine_kwargs(str(self.engine.url))
            )
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await _retrying(lambda: super(RedactingSQLTrackerStore, self).retrieve(sender_id))

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await _retrying(lambda: super(RedactingSQLTrackerStore, self).retrieve_full_tracker(conversation_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await _retrying(lambda: super(RedactingSQLTrackerStore, self).save(tracker))


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    """The database may be restarting (a second or two): try again before giving up."""
    for delay in RETRY_DELAYS_SECONDS:
        try:
            return await call()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            logger.warning("tracker store unavailable (%s); trying again in %.1f s", type(error).__name__, delay)
            await asyncio.sleep(delay)
    return await call()


def without_fail_safe(agent: Any) -> None:
    """Let a tracker store failure fail the turn instead of starting the conversation again.

    Rasa wraps every tracker store in FailSafeTrackerStore, which, when the database cannot
    be read, hands back no conversation: the child's next answer ("yes") then meets a bot
    that has forgotten the question, and the turn is saved in memory only. Failing the
    turn instead makes the chat page keep the message and send it again (same id) once
    the database answers (our store has already retried for several seconds).
    """
    store = getattr(agent, "tracker_store", None)
    inner = getattr(store, "_tracker_store", None)
    if isinstance(store, FailSafeTrackerStore) and inner is not None:
        agent.tracker_store = inner
        if getattr(agent, "processor", None) is not None:
            agent.processor.tracker_store = inner
