"""Test helpers shared by both virtualenvs (standard library only)."""

from __future__ import annotations

import asyncio
import http.client
import inspect
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Awaitable, Callable
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


async def wait_for_async(
    check: Callable[[], T | Awaitable[T | None] | None], within: float = 5.0, interval: float = 0.02
) -> T:
    """wait_for inside a test's event loop: check() may be sync or async; the loop runs on between polls.

    Named `within`, not `timeout`: it bounds the whole polling, not one await (ruff's ASYNC109).
    """
    deadline = time.monotonic() + within
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


def post_headers_only(url: str, length: int, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST that announces a `length`-byte body but sends none, then reads the answer.

    How an oversized body is tested without racing the server: a server that refuses
    it answers from the headers and closes, and a client still pushing megabytes
    would see the connection reset instead of the answer.
    """
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.putrequest("POST", f"{parts.path}?{parts.query}" if parts.query else parts.path)
        sent = {"Content-Type": "application/json", **(headers or {}), "Content-Length": str(length)}
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
