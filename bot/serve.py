"""Start the Rasa server as `rasa run --enable-api` does, with the auth token from the environment.

`rasa run` takes the token only as `--auth-token` on the command line, where any
local account can read it (`ps`). This entry point reads RASA_AUTH_TOKEN (or
RASA_AUTH_TOKEN_FILE) instead, refuses to start without it, and hands it to
Rasa's own serving code (rasa.api.run -> rasa.core.run.serve_application, what
`rasa run` calls). It also caps request bodies and keeps files private.

Usage: python -m bot.serve --model M --endpoints E --credentials C --interface H --port P
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bot.request_limits import RASA_MAX_BODY_BYTES, limit_requests_on_start
from bot.service_secrets import MissingSecretError, read_secret

# bot/endpoints.yml names these; Rasa refuses an unset one, so one server needs none of them set.
ENDPOINT_DEFAULTS = {
    "RASA_TRACKER_HOST": "",  # SQLite: the file is RASA_TRACKER_DB
    "RASA_LOCK_STORE": "in_memory",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_DB": "0",
    "RASA_LOCK_PREFIX": "feedback",  # letters and digits only (RedisLockStore)
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/current.tar.gz")
    parser.add_argument("--endpoints", default="bot/endpoints.yml")
    parser.add_argument("--credentials", default="bot/credentials.yml")
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5005)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    os.umask(0o077)  # tracker store, logs, unpacked model: readable by this account only
    args = parse_args(argv)
    try:
        token = read_secret("RASA_AUTH_TOKEN")
    except MissingSecretError as exc:
        print(f"bot.serve: not starting: {exc}", file=sys.stderr)
        return 2
    for option in ("model", "endpoints", "credentials"):
        if not Path(getattr(args, option)).exists():
            print(f"bot.serve: not starting: --{option} {getattr(args, option)} does not exist", file=sys.stderr)
            return 2

    for key, value in ENDPOINT_DEFAULTS.items():
        os.environ.setdefault(key, value)

    # Imported late: Rasa takes seconds to import, and a refusal above should be instant.
    import rasa.api
    import rasa.utils.io
    import rasa.utils.tensorflow.environment as tf_env
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    from bot import action_answer_check
    from bot.action_fallback import install as install_action_fallback
    from bot.tracker_store import without_fail_safe

    action_answer_check.install()  # 15 ms less of Rasa's event loop per action call

    async def when_loaded(app: Any, _loop: object) -> None:
        """Rasa has loaded the agent by `after_server_start` (app.ctx.agent)."""
        agent = getattr(app.ctx, "agent", None)
        if agent is not None:
            install_action_fallback(agent)  # the child is answered even with the action server down
            without_fail_safe(agent)  # a database failure fails the turn; it never forgets the conversation

    # What rasa/__main__.py sets up before any command (telemetry stays off: RASA_TELEMETRY_ENABLED=false).
    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    tf_env.setup_tf_environment()
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)

    rasa.api.run(
        model=args.model,
        endpoints=args.endpoints,
        credentials=args.credentials,
        enable_api=True,
        auth_token=token,
        interface=args.interface,
        port=args.port,
        server_listeners=[
            (limit_requests_on_start(RASA_MAX_BODY_BYTES), "before_server_start"),
            (when_loaded, "after_server_start"),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
