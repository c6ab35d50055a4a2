"""bot/lock_store.py: Rasa's Redis locks from bot/endpoints.yml's settings; a failed release is not a failed turn."""

from __future__ import annotations

import secrets
import subprocess

import pytest
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import ReleaseSafeRedisLockStore
from tests.helpers import free_port


def _store(port: int) -> LockStore:
    # As Rasa builds it from bot/endpoints.yml: every value a string from the environment.
    config = EndpointConfig(
        type="bot.lock_store.ReleaseSafeRedisLockStore",
        url="127.0.0.1",
        port=str(port),
        db="0",
        key_prefix=f"test{secrets.token_hex(3)}",
        socket_timeout=1,
    )
    return LockStore.create(config)


def _redis_answers() -> bool:
    ping = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True, check=False)
    return ping.stdout.strip() == "PONG"


async def test_a_conversation_is_locked_and_released_through_redis() -> None:
    if not _redis_answers():
        pytest.fail("Redis is not running on 127.0.0.1:6379 (scripts/ensure_redis.sh starts it)")
    store = _store(6379)
    assert isinstance(store, ReleaseSafeRedisLockStore)
    async with store.lock("child-1"):
        assert store.get_lock("child-1") is not None
    assert store.get_lock("child-1") is None


def test_a_release_redis_cannot_take_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    store = _store(free_port())  # nothing listens: as Redis restarting
    store.cleanup("child-1", 1)
    assert "expires by itself" in caplog.text
