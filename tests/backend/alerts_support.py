"""Real local servers and helpers for the safeguarding alert tests.

- `RecordingHttpServer`: an aiohttp server on a free port that records what it receives
  (used as a webhook receiver and as a stand-in for Rasa's HTTP API).
It is a real server on 127.0.0.1; nothing is mocked. The fake mail server is
tests/backend/notify/smtp_server.py (the `smtp` fixture), polling is tests/helpers.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from backend.alerts.settings import Contact, SafeguardingSettings
from backend.auth import hash_password
from backend.config import Settings, SmtpSettings
from backend.db import make_engine, make_sessionmaker
from backend.models import StaffUser
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD

if TYPE_CHECKING:
    from tests.backend.server import BackendThread


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


def raise_alert(server: BackendThread, key: str, message: str, severity: str = "high") -> int:
    """An alert from a tablet at Oak House, posted to a backend served from a thread (the browser tests)."""
    body = alert_body(
        key,
        conversation_id="tablet-conv-42",
        home="oak-house",
        severity=severity,
        matched=["hurt me"],
        message=message,
        preceding_turns=[{"speaker": "bot", "text": "What happened?", "time": None}],
    )
    return server.post_json("/api/v1/alerts", body, SERVICE_TOKEN)["alert_id"]


async def add_lead(settings: Settings) -> None:
    """A safeguarding lead `lead` with no display name of its own, in the database of `settings`."""
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session:
        session.add(StaffUser(username="lead", role="safeguarding_lead", password_hash=hash_password(STAFF_PASSWORD)))
        await session.commit()
    await engine.dispose()


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
