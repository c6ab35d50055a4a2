"""Whether the database is PostgreSQL, and a connection of our own to it (LISTEN needs one that is never pooled)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

# Query options SQLAlchemy's asyncpg dialect takes for itself; asyncpg.connect() would refuse them.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")
CONNECT_TIMEOUT = 10.0


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


async def connect(engine: AsyncEngine) -> asyncpg.Connection:
    """A plain asyncpg connection with exactly the settings the engine uses (host, user, ssl ...)."""
    _, params = engine.dialect.create_connect_args(engine.url)
    for key in _DIALECT_ONLY:
        params.pop(key, None)
    params.setdefault("timeout", CONNECT_TIMEOUT)
    return await asyncpg.connect(**params)
