"""The durable outbox keeps every alert until the backend has it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from actions.outbox import Outbox


def _alert(key: str) -> dict[str, Any]:
    return {"idempotency_key": key, "message": "he hit me"}


async def test_an_alert_survives_a_restart_until_delivered(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite3"
    Outbox(path).put(_alert("k1"))

    reopened = Outbox(path)  # as if the action server had restarted
    assert reopened.pending_count() == 1
    received: list[str] = []

    async def deliver(payload: dict[str, Any]) -> None:
        received.append(payload["idempotency_key"])

    assert await reopened.deliver_due(deliver) == 1
    assert received == ["k1"]
    assert reopened.pending_count() == 0
    assert await reopened.deliver_due(deliver) == 0  # never sent twice once delivered


async def test_failed_delivery_is_kept_and_retried_after_a_backoff(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.put(_alert("k2"))

    async def backend_down(payload: dict[str, Any]) -> None:
        raise ConnectionRefusedError("backend down")

    assert await outbox.deliver_due(backend_down) == 0
    assert outbox.pending_count() == 1
    assert outbox.due() == []  # waiting for its back-off
    assert [a["idempotency_key"] for a in outbox.due(now=time.time() + 60)] == ["k2"]


def test_the_same_alert_is_stored_once(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.put(_alert("k3"))
    outbox.put(_alert("k3"))
    assert outbox.pending_count() == 1
