"""Every URL the backend serves, in one place."""

from __future__ import annotations

from aiohttp import web

from backend.api.health import health
from backend.api.submissions import get_one_submission, get_submissions, post_submission
from backend.openapi import openapi_document


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_get("/api/openapi.json", openapi_document)
    app.router.add_post("/api/v1/submissions", post_submission)
    app.router.add_get("/api/v1/submissions", get_submissions)
    app.router.add_get("/api/v1/submissions/{reference}", get_one_submission)
