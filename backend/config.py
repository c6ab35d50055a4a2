"""Settings read once from the environment, with typed defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SQLITE_PATH = "var/backend.sqlite3"


def normalise_database_url(url: str) -> str:
    """Map plain driver-less URLs onto the async drivers the backend uses."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    service_token: str
    host: str = "127.0.0.1"
    port: int = 8000
    default_home: str = "home-1"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        token = env.get("SERVICE_TOKEN", "")
        if len(token) < 32:
            raise RuntimeError(
                "SERVICE_TOKEN must be set to a random string of at least 32 characters "
                "(make setup writes one to var/secrets.env)"
            )
        return cls(
            database_url=normalise_database_url(
                env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
            ),
            service_token=token,
            host=env.get("BACKEND_HOST", "127.0.0.1"),
            port=int(env.get("BACKEND_PORT", "8000")),
            default_home=env.get("HOME_CODE", "home-1"),
        )
