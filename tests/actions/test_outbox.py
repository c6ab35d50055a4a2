"""The durable outbox keeps every alert and concern until the backend has it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from actions.outbox import ALERT, CONCERN, Outbox


def _alert(key: str) -> dict[str, Any]:
    return {"idempotency_key": key, "message": "he hit me"}


async def test_an_alert_survives_a_restart_until_delivered(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite3"
    Outbox(path).put(_alert("k1"))

    reopened = Outbox(path)  # as if the action server had restarted
    assert reopened.pending_count() == 1
    received: list[str] = []

    async def deliver(kind: str, payload: dict[str, Any]) -> None:
        received.append(payload["idempotency_key"])

    assert await reopened.deliver_due(deliver) == 1
    assert received == ["k1"]
    assert reopened.pending_count() == 0
    assert await reopened.deliver_due(deliver) == 0  # never sent twice once delivered


async def test_failed_delivery_is_kept_and_retried_after_a_backoff(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.put(_alert("k2"))

    async def backend_down(kind: str, payload: dict[str, Any]) -> None:
        raise ConnectionRefusedError("backend down")

    assert await outbox.deliver_due(backend_down) == 0
    assert outbox.pending_count() == 1
    assert outbox.due() == []  # waiting for its back-off
    assert [a["idempotency_key"] for _, a in outbox.due(now=time.time() + 60)] == ["k2"]


def test_the_same_alert_is_stored_once(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.put(_alert("k3"))
    outbox.put(_alert("k3"))
    assert outbox.pending_count() == 1


async def test_concerns_and_alerts_go_out_in_the_order_they_were_written(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "alerts.sqlite3")
    outbox.put(_alert("concern-1"), CONCERN)
    outbox.put(_alert("alert-1"), ALERT)
    sent: list[tuple[str, str]] = []

    async def deliver(kind: str, payload: dict[str, Any]) -> None:
        sent.append((kind, payload["idempotency_key"]))

    assert await outbox.deliver_due(deliver) == 2
    assert sent == [(CONCERN, "concern-1"), (ALERT, "alert-1")]


def test_an_outbox_file_from_before_concerns_still_delivers_its_alerts(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite3"
    with sqlite3.connect(path) as conn:  # the table as the first release made it
        conn.execute(
            "CREATE TABLE outbox (idempotency_key TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL,"
            " attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, delivered_at REAL, last_error TEXT)"
        )
        conn.execute("INSERT INTO outbox VALUES ('old', '{\"idempotency_key\": \"old\"}', 1, 0, 1, NULL, NULL)")
    assert Outbox(path).due() == [(ALERT, {"idempotency_key": "old"})]


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown outbox kind"):
        Outbox(tmp_path / "alerts.sqlite3").put(_alert("k4"), "email")


async def test_a_delivered_row_keeps_no_words_and_is_deleted_after_a_day(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite3"
    outbox = Outbox(path)
    outbox.put(_alert("sent"))
    outbox.put(_alert("waiting"))

    async def deliver_only_sent(kind: str, payload: dict[str, Any]) -> None:
        if payload["idempotency_key"] != "sent":
            raise ConnectionRefusedError("backend down")

    await outbox.deliver_due(deliver_only_sent)
    assert b"he hit me" in path.read_bytes()  # the waiting one still needs its words
    with sqlite3.connect(path) as conn:
        payloads = dict(conn.execute("SELECT idempotency_key, payload FROM outbox").fetchall())
    assert payloads["sent"] == "{}"
    assert outbox.is_delivered("sent")  # a repeat is still recognised

    assert outbox.purge_delivered(now=time.time() + 3600) == 0  # kept for a day
    assert outbox.purge_delivered(now=time.time() + 25 * 3600) == 1
    assert not outbox.is_delivered("sent")
    assert outbox.pending_count() == 1  # an undelivered record is never purged, however old


async def test_a_delivered_alert_leaves_no_trace_of_its_words_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "alerts.sqlite3"
    outbox = Outbox(path)
    outbox.put({"idempotency_key": "k", "message": "a sentence only this child wrote"})

    async def deliver(kind: str, payload: dict[str, Any]) -> None:
        return None

    await outbox.deliver_due(deliver)
    assert b"only this child wrote" not in path.read_bytes()
