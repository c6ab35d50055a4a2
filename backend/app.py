"""Application factory: wires settings, database, routes and middlewares."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from backend.advocacy_notice.context import advocacy_notice_context
from backend.alerts.context import alerts_context, end_streams
from backend.appkeys import ENGINE, OPENAPI, SESSIONMAKER, SETTINGS
from backend.concerns.context import concerns_context
from backend.config import Settings
from backend.db import assert_migrated, make_engine, make_sessionmaker
from backend.errors import error_middleware
from backend.limits import CLIENT_MAX_SIZE, size_limit_middleware
from backend.openapi import build_spec
from backend.reminders.schedule import daily_reminders
from backend.retention.schedule import daily_retention
from backend.routes import setup_routes
from backend.staff.middleware import (
    csrf_middleware,
    error_page_middleware,
    https_only_middleware,
    login_csrf_cookie_middleware,
    page_headers_middleware,
    session_middleware,
)
from backend.web.templating import setup_templates


async def _database(app: web.Application) -> AsyncIterator[None]:
    engine = make_engine(app[SETTINGS].database_url)
    await assert_migrated(engine)
    app[ENGINE] = engine
    app[SESSIONMAKER] = make_sessionmaker(engine)
    yield
    await engine.dispose()


def create_app(settings: Settings) -> web.Application:
    # Outermost first: each one wraps those after it.
    middlewares = [
        # A failure nothing inside answered becomes a JSON answer with a reason, never a traceback.
        error_middleware,
        # Before anything reads a body (the CSRF check reads the form).
        size_limit_middleware,
        # The staff pages' middlewares (backend/staff/middleware.py). Headers wrap everything,
        # error pages included; the HTTPS refusal comes before any database work; error pages
        # sit inside the session (they show who is logged in) and outside the CSRF check (its
        # 403 is a page too).
        page_headers_middleware,
        https_only_middleware,
        session_middleware,
        login_csrf_cookie_middleware,
        error_page_middleware,
        csrf_middleware,
    ]
    app = web.Application(middlewares=middlewares, client_max_size=CLIENT_MAX_SIZE)
    app[SETTINGS] = settings
    app[OPENAPI] = build_spec()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(daily_reminders)
    app.cleanup_ctx.append(daily_retention)
    # After the database: escalation loop, notifier tasks and live streams stop before the engine does.
    app.cleanup_ctx.append(alerts_context)
    # After the database too: the unread-concern reminder loop.
    app.cleanup_ctx.append(concerns_context)
    # After the database too: telling advocacy providers (its outbox loop and sending tasks).
    app.cleanup_ctx.append(advocacy_notice_context)
    app.on_shutdown.append(end_streams)
    setup_templates(app)
    setup_routes(app)
    return app
