"""Real local servers and helpers for the safeguarding alert tests.

- `RecordingHttpServer`: an aiohttp server on a free port that records what it receives
  (used as a webhook receiver and as a stand-in for Rasa's HTTP API).
- `SmtpSink`: a tiny SMTP server written with asyncio streams that keeps every message.
Both are real servers on 127.0.0.1; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from backend.alerts.settings import Contact, SafeguardingSettings
from backend.config import Settings, SmtpSettings


def alert_body(key: str = "alert-key-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "idempotency_key": key,
        "conversation_id": "conv-abc-123",
        "home": "home-1",
        "category": "physical_abuse",
        "severity": "high",
        "matched": ["hit me"],
        "message": "he hit me again last night",
        "preceding_turns": [
            {"speaker": "bot", "text": "What would you like to tell us?", "time": "2026-11-23T10:00:00Z"},
            {"speaker": "child", "text": "something bad", "time": "2026-11-23T10:00:05Z"},
        ],
        "detected_at": datetime.now(UTC).isoformat(),
        "source": "detector",
    }
    body.update(overrides)
    return body


async def post_alert(client: TestClient, headers: dict[str, str], key: str = "alert-key-0001", **kw: Any) -> dict:
    resp = await client.post("/api/v1/alerts", json=alert_body(key, **kw), headers=headers)
    assert resp.status in (200, 201), await resp.text()
    return await resp.json()


def with_safeguarding(settings: Settings, smtp_port: int | None = None, **sg: Any) -> Settings:
    """The test settings with alert notifiers and escalation configured."""
    sg.setdefault("tick_seconds", 0.05)
    sg.setdefault("retry_base_seconds", 0.1)
    smtp = SmtpSettings(host="127.0.0.1", port=smtp_port, security="none", timeout_seconds=3) if smtp_port else None
    return replace(settings, safeguarding=SafeguardingSettings(**sg), smtp=smtp)


def contact(name: str, email: str | None = None, webhook: str | None = None) -> Contact:
    return Contact(name=name, email=email, webhook_url=webhook)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float


@dataclass
class RecordingHttpServer:
    """Records every request; answers `fail_first` of them with HTTP 500, then 200.

    As a Rasa stand-in it keeps the events appended to each conversation and serves
    them back from GET /conversations/{id}/tracker, as Rasa does.
    """

    fail_first: int = 0
    delay_seconds: float = 0.0
    received: list[Received] = field(default_factory=list)
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        self.received.append(Received(request.method, request.path, dict(request.query), body, time.monotonic()))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if len(self.received) <= self.fail_first:
            return web.json_response({"error": "not now"}, status=500)
        if request.path.startswith("/conversations/"):
            return self._rasa(request, body)
        return web.json_response({"ok": True})

    def _rasa(self, request: web.Request, body: Any) -> web.Response:
        conversation = request.match_info.get("cid") or request.path.split("/")[2]
        events = self.events.setdefault(conversation, [])
        if request.method == "POST":
            for event in body if isinstance(body, list) else [body]:
                events.append({**event, "timestamp": time.time()})
        paused = False
        for event in events:
            paused = {"pause": True, "resume": False}.get(event["event"], paused)
        return web.json_response({"sender_id": conversation, "events": events, "paused": paused})

    def child_says(self, conversation: str, text: str) -> None:
        """What Rasa logs when the child sends a message (also while paused)."""
        self.events.setdefault(conversation, []).append({"event": "user", "text": text, "timestamp": time.time()})

    async def start(self) -> RecordingHttpServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass
class SmtpSink:
    """Just enough SMTP (RFC 5321) for aiosmtplib to deliver a message to us."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 sink ready")
        rcpt: list[str] = []
        try:
            while line := await reader.readline():
                command = line.decode(errors="replace").strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    await say("250-sink")
                    await say("250 8BITMIME")
                elif verb in {"HELO", "RSET", "NOOP"}:
                    await say("250 ok")
                elif verb == "MAIL":
                    rcpt = []
                    await say("250 ok")
                elif verb == "RCPT":
                    rcpt.append(command.split(":", 1)[1].strip().strip("<>"))
                    await say("250 ok")
                elif verb == "DATA":
                    await say("354 go on")
                    data = b""
                    while (chunk := await reader.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.messages.append((rcpt, message_from_bytes(data)))
                    self.arrived.set()
                    await say("250 queued")
                elif verb == "QUIT":
                    await say("221 bye")
                    break
                else:
                    await say("502 not implemented")
        finally:
            writer.close()

    async def start(self) -> SmtpSink:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


async def wait_for(predicate: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Poll until predicate() (sync or async) is true; fail the test on timeout."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(interval)


async def read_sse(resp: Any) -> Any:
    """Yield (event, data) pairs from a text/event-stream response as they arrive."""
    name, data = "message", ""
    while True:
        line = await resp.content.readline()
        if not line:
            return
        text = line.decode().rstrip("\r\n")
        if text == "":
            if data:
                yield name, json.loads(data)
            name, data = "message", ""
        elif text.startswith("event:"):
            name = text[6:].strip()
        elif text.startswith("data:"):
            data += text[5:].strip()
