"""Rasa's Redis lock store, except that a lock that cannot be released does not fail a finished turn.

Rasa releases a conversation's lock after the turn, in a `finally`. If Redis is
restarting just then, the release raises, the child's answer is lost although the
turn was done and stored, and the page sends the same message again: the child's
"Sam" was then read a second time as the answer to the next question (found by
`make test-chaos`, a Redis restart mid-turn). The lock is only a ticket with a
lifetime (TICKET_LOCK_LIFETIME): left in Redis, it frees itself.

Configured through bot/endpoints.yml: RASA_LOCK_STORE=bot.lock_store.ReleaseSafeRedisLockStore.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class ReleaseSafeRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # built by Rasa from bot/endpoints.yml
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
            if "port" in kwargs:
                kwargs["port"] = int(kwargs["port"])
        super().__init__(**kwargs)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        try:
            super().cleanup(conversation_id, ticket_number)
        except RedisError as error:
            logger.warning(
                "could not release the lock of a finished turn (%s); it expires by itself", type(error).__name__
            )
