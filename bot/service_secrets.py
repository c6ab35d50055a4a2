"""Secrets for our own service entry points: from the environment or a file, never argv.

A secret on the command line is readable by every local account (`ps`,
/proc/<pid>/cmdline); the environment and a 600 file are not. `NAME_FILE`
(systemd credentials, Docker secrets) is accepted beside `NAME`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MIN_LENGTH = 32  # scripts/make_secrets.sh writes 43 characters (32 random bytes)


class MissingSecretError(RuntimeError):
    """A service must not start without this secret; the message says how to get one."""


def read_secret(name: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    value = env.get(name, "").strip()
    path = env.get(f"{name}_FILE", "").strip()
    if not value and path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise MissingSecretError(f"{name}_FILE points at {path}, which cannot be read ({exc.strerror})") from exc
    if not value:
        raise MissingSecretError(
            f"{name} is not set: put it in the environment or in a file named by {name}_FILE "
            "(make setup writes one to var/secrets.env)"
        )
    if len(value) < MIN_LENGTH:
        raise MissingSecretError(f"{name} must be a random string of at least {MIN_LENGTH} characters")
    return value
