"""A database that restarts or is away never makes Rasa forget a child's conversation."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.tracker_store
from bot.tracker_store import RedactingSQLTrackerStore, without_fail_safe
from scripts.scaled import POSTGRES, create_database, drop_database
from tests.helpers import free_port

DOMAIN = Domain.from_path("domain")


def _tracker(sender: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered("the food is cold", {"name": "make_complaint"})]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode != 0:
        pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (scripts/ensure_postgres.sh starts it)")
    name = f"tracker_test_{secrets.token_hex(3)}"
    create_database(name, fresh=True)
    yield f"{POSTGRES}/{name}"
    drop_database(name)


def _cut_every_connection(database: str) -> None:
    sql = f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"  # noqa: S608
    subprocess.run(["psql", f"{POSTGRES}/postgres", "-qtA", "-c", sql], check=True, capture_output=True)


async def test_after_every_connection_is_cut_the_conversation_is_still_read(postgres_url: str) -> None:
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="postgresql", host=postgres_url)
    await store.save(_tracker("child-1"))
    assert await store.retrieve("child-1") is not None  # the pool now holds a connection
    _cut_every_connection(postgres_url.rsplit("/", 1)[1])  # what a PostgreSQL restart does to the pool
    tracker = await store.retrieve("child-1")
    assert tracker is not None and tracker.latest_message.text == "the food is cold"


async def test_a_database_that_stays_away_fails_the_turn_after_retrying(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.tracker_store, "RETRY_DELAYS_SECONDS", (0.01, 0.01))
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing_here"
    store = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=":memory:")
    # The same store pointed at a server that is not there (Rasa's own __init__ would fail at once).
    store.engine = sa.create_engine(url)
    store.sessionmaker = sa.orm.session.sessionmaker(bind=store.engine)
    with pytest.raises(sa.exc.OperationalError):
        await store.retrieve("child-1")


def test_rasas_fail_safe_wrapper_is_taken_off_so_a_failure_is_never_a_new_conversation(tmp_path: Path) -> None:
    class Processor:
        tracker_store = None

    class Agent:
        processor = Processor()
        tracker_store = None

    inner = RedactingSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.sqlite3"))
    agent = Agent()
    agent.tracker_store = FailSafeTrackerStore(inner)
    agent.processor.tracker_store = agent.tracker_store
    without_fail_safe(agent)
    assert agent.tracker_store is inner and agent.processor.tracker_store is inner
