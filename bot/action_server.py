"""Start the action server (rasa-sdk) so that only the Rasa server can call it.

- Every request except `GET /health` must carry `Authorization: Bearer
  <ACTION_SERVER_TOKEN>`, the secret Rasa sends from bot/endpoints.yml; a call
  without it gets 401 before any action runs (so no alert, concern or
  submission can be made up by posting a tracker).
- Binds to 127.0.0.1 whatever BIND_HOST says: only the Rasa server on this
  machine needs it.
- Request bodies are capped (bot/request_limits.py); files are private (umask 077).

The app is rasa-sdk's own (`create_app`), so the actions package finds it by
name as before (actions/outbox.py). Lives outside `actions/` because rasa-sdk
imports every module of that package.

Usage: python -m bot.action_server [--port 5055] [--actions actions]
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.request_limits import ACTIONS_MAX_BODY_BYTES, limit_requests
from bot.service_secrets import MissingSecretError, read_secret

HOST = "127.0.0.1"
OPEN_PATHS = frozenset({"/health"})  # says "ok" and nothing else
BEARER = "Bearer "


def caller_is_rasa(request: Request, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[len(BEARER) :] if header.startswith(BEARER) else ""
    return hmac.compare_digest(given.encode(), token.encode())


def require_token(app: Sanic, token: str) -> None:
    """Refuse every call without the shared secret, before routing to any action."""

    async def check(request: Request) -> HTTPResponse | None:
        if request.method in ("GET", "HEAD") and request.path in OPEN_PATHS:
            return None
        if caller_is_rasa(request, token):
            return None
        return response.json(
            {"error": "NotAuthenticated", "reason": "only the Rasa server may call the action server"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    app.register_middleware(check, "request")


def build_app(actions_package: str, token: str) -> Sanic:
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.plugin import plugin_manager

    app = create_app(actions_package, cors_origins=None)  # no CORS: browsers have no business here
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    require_token(app, token)
    limit_requests(app, ACTIONS_MAX_BODY_BYTES)
    return app


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # the outbox holds children's words: readable by this account only
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args(argv)
    try:
        token = read_secret("ACTION_SERVER_TOKEN")
    except MissingSecretError as exc:
        print(f"bot.action_server: not starting: {exc}", file=sys.stderr)
        return 2

    from rasa_sdk import utils

    # What rasa_sdk/__main__.py sets up before it runs the server.
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    app = build_app(args.actions, token)
    app.run(HOST, args.port, workers=utils.number_of_sanic_workers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
