"""The LISTEN connection retries until the database answers; a NOTIFY that cannot be sent falls back."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
from sqlalchemy.engine import make_url

from backend.cluster.listen import Listener
from backend.cluster.notify import Notifier
from backend.cluster.postgres import connect
from backend.config import Settings
from backend.db import make_engine
from tests.helpers import wait_for_async

LIMIT = 15.0


def _closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_listener_keeps_trying_until_the_database_answers(
    pg_settings: Settings, pg: asyncpg.Connection
) -> None:
    engine = make_engine(pg_settings.database_url)
    down = _closed_port()
    tries = 0

    async def database_back_on_the_third_try() -> asyncpg.Connection:
        nonlocal tries
        tries += 1
        if tries < 3:
            return await asyncpg.connect(host="127.0.0.1", port=down, user="postgres", timeout=5)
        return await connect(engine)

    heard: list[str] = []
    resyncs: list[int] = []
    listener = Listener(database_back_on_the_third_try, "cluster_test", heard.append, lambda: resyncs.append(tries))
    try:
        await listener.start(wait_seconds=LIMIT)
        assert (tries, listener.connections, resyncs) == (3, 1, [3])
        await pg.execute("NOTIFY cluster_test, 'hello'")
        await wait_for_async(lambda: heard == ["hello"], within=LIMIT)
    finally:
        await listener.close()
        await engine.dispose()


async def test_a_notify_the_database_never_takes_runs_its_fallback(pg_settings: Settings) -> None:
    unreachable = make_url(pg_settings.database_url).set(host="127.0.0.1", port=_closed_port())
    engine = make_engine(unreachable.render_as_string(hide_password=False))
    notifier = Notifier(engine, "cluster_test")
    fell_back = asyncio.Event()
    notifier.start()
    try:
        notifier.send('{"id": 1}', fallback=fell_back.set)
        await asyncio.wait_for(fell_back.wait(), LIMIT)
    finally:
        await notifier.close()
        await engine.dispose()
