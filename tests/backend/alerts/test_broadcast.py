"""The in-process broadcaster behind the live page: every open page gets every alert, none blocks."""

from __future__ import annotations

import pytest

from backend.alerts import broadcast
from backend.alerts.broadcast import AlertBroadcaster


async def test_every_subscriber_gets_every_alert_in_order() -> None:
    hub = AlertBroadcaster()
    pages = [hub.subscribe() for _ in range(3)]
    hub.publish({"id": 1})
    hub.publish({"id": 2})
    for page in pages:
        assert [page.queue.get_nowait(), page.queue.get_nowait()] == [{"id": 1}, {"id": 2}]


async def test_a_page_that_falls_behind_is_told_to_reconnect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broadcast, "QUEUE_SIZE", 2)
    hub = AlertBroadcaster()
    slow, fast = hub.subscribe(), hub.subscribe()
    for i in range(3):
        hub.publish({"id": i})
        if i < 2:
            fast.queue.get_nowait()
    assert slow.queue.get_nowait() is None  # ends its stream; on reconnect it gets a fresh snapshot
    assert fast.queue.get_nowait() == {"id": 2}
    assert hub.subscriber_count == 1


async def test_closing_ends_current_and_later_streams() -> None:
    hub = AlertBroadcaster()
    page = hub.subscribe()
    hub.close()
    assert page.queue.get_nowait() is None
    assert hub.subscribe().queue.get_nowait() is None
    hub.publish({"id": 1})  # after close: no error, nobody to tell
    assert hub.subscriber_count == 0
