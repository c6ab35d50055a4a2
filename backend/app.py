"""Application factory: wires settings, database, routes and middlewares."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from backend.appkeys import ENGINE, OPENAPI, SESSIONMAKER, SETTINGS
from backend.config import Settings
from backend.db import assert_migrated, make_engine, make_sessionmaker
from backend.errors import error_middleware
from backend.openapi import build_spec
from backend.routes import setup_routes


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = make_engine(app[SETTINGS].database_url)
    await assert_migrated(engine)
    app[ENGINE] = engine
    app[SESSIONMAKER] = make_sessionmaker(engine)
    yield
    await engine.dispose()


def create_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=256 * 1024)
    app[SETTINGS] = settings
    app[OPENAPI] = build_spec()
    app.cleanup_ctx.append(_database)
    setup_routes(app)
    return app
