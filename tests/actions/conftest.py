"""Action tests run against a real backend process on a free port (no mocked HTTP)."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.backend_client import BackendConfig
from scripts.stack import Stack, StackConfig
from tests.helpers import free_port, sqlite_rows


@dataclass
class RunningBackend:
    stack: Stack
    url: str
    token: str
    database_path: Path

    def rows(self, table: str = "submissions") -> list[sqlite3.Row]:
        return sqlite_rows(self.database_path, f"SELECT * FROM {table}")  # noqa: S608 (test-only table names)

    def stop(self) -> None:
        self.stack.stop("backend")

    def start(self) -> None:
        self.stack.restart_backend()


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningBackend]:
    token = secrets.token_urlsafe(32)
    db = tmp_path / "backend.sqlite3"
    config = StackConfig(
        backend_port=free_port(),
        database_url=f"sqlite+aiosqlite:///{db}",
        secrets={"SERVICE_TOKEN": token},
        log_dir=tmp_path / "logs",
    )
    stack = Stack(config)
    stack.migrate()
    stack.restart_backend()
    # The actions read their backend from the environment, as in production.
    monkeypatch.setenv("BACKEND_URL", config.backend_url)
    monkeypatch.setenv("SERVICE_TOKEN", token)
    monkeypatch.setenv("HOME_CODE", "test-home")
    yield RunningBackend(stack, config.backend_url, token, db)
    stack.stop()


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retry back-off short so unreachable-backend tests stay quick."""
    original = BackendConfig.from_env

    def quick() -> BackendConfig:
        cfg = original()
        return BackendConfig(cfg.base_url, cfg.service_token, timeout_seconds=2.0, attempts=2, backoff_seconds=0.01)

    monkeypatch.setattr(BackendConfig, "from_env", staticmethod(quick))


def make_tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str | None = None,
    sender_id: str | None = None,
    metadata: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as the action server receives it, with one user message."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    return Tracker(
        sender_id=sender_id or os.urandom(8).hex(),
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )
