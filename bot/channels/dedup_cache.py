"""Remember recent client message ids so a retried send is processed once.

The chat page gives every message one id and reuses it when it retries (after a
timeout or a dropped connection). The first send starts the work; a repeat of
the same id waits for that same work and gets the same replies.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

Replies = list[dict[str, Any]]


class ReplyCache:
    """A small in-memory LRU: per sender, the last few message ids and their replies.

    Kept in memory only and bounded, because it holds what the bot said; one
    Rasa process (the in-memory lock store) is the deployment it is made for.
    """

    def __init__(self, max_senders: int = 500, max_ids_per_sender: int = 20) -> None:
        self._max_senders = max_senders
        self._max_ids = max_ids_per_sender
        self._by_sender: OrderedDict[str, OrderedDict[str, asyncio.Future[Replies]]] = OrderedDict()

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._by_sender.values())

    def has(self, sender: str, message_id: str) -> bool:
        """Whether this message id was taken (running or answered); a failed one was forgotten."""
        ids = self._by_sender.get(sender)
        return ids is not None and message_id in ids

    async def run_once(
        self, sender: str, message_id: str, work: Callable[[], Awaitable[Replies]]
    ) -> tuple[Replies, bool]:
        """Run `work` for the first send of `message_id`; return (replies, was_repeat).

        The work runs in its own task, shielded from the request: if the tablet
        gives up waiting and disconnects, Rasa still finishes the turn and the
        retry receives its replies instead of starting a second turn.
        """
        existing = self._get(sender, message_id)
        if existing is not None:
            return await asyncio.shield(existing), True
        task = asyncio.ensure_future(work())
        self._put(sender, message_id, task)
        task.add_done_callback(lambda done: self._forget_if_failed(sender, message_id, done))
        return await asyncio.shield(task), False

    def _get(self, sender: str, message_id: str) -> asyncio.Future[Replies] | None:
        ids = self._by_sender.get(sender)
        if ids is None:
            return None
        self._by_sender.move_to_end(sender)
        return ids.get(message_id)

    def _put(self, sender: str, message_id: str, task: asyncio.Future[Replies]) -> None:
        ids = self._by_sender.setdefault(sender, OrderedDict())
        self._by_sender.move_to_end(sender)
        ids[message_id] = task
        while len(ids) > self._max_ids:
            ids.popitem(last=False)
        while len(self._by_sender) > self._max_senders:
            self._by_sender.popitem(last=False)

    def _forget_if_failed(self, sender: str, message_id: str, done: asyncio.Future[Replies]) -> None:
        # A turn that crashed produced nothing to replay: let a retry try again.
        if done.cancelled() or done.exception() is not None:
            ids = self._by_sender.get(sender)
            if ids is not None and ids.get(message_id) is done:
                del ids[message_id]
