"""Test helpers shared by both virtualenvs (standard library only)."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sqlite_rows(path: object, sql: str, *args: object) -> list[sqlite3.Row]:
    """Read rows straight from a test's SQLite file, to check what was really stored."""
    with sqlite3.connect(path) as conn:  # type: ignore[arg-type]
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, args).fetchall()


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll until check() returns something truthy; no fixed sleeps."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(interval)
