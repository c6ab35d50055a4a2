"""Emails and webhooks with two backend replicas on one PostgreSQL database: each sent once, none lost.

Both replicas run the escalation loop and the dispatcher; each notification row is claimed
before it is sent (backend/alerts/dispatch.py), so only one replica sends it, and a replica
killed mid-send (kill -9) leaves its claim to run out, after which another one sends it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend.alerts.keys import DISPATCHER
from backend.alerts.settings import safeguarding_from_env
from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import RecordingHttpServer, alert_body, contact, post_alert, with_safeguarding
from tests.backend.cluster.conftest import HEADERS, Replicas
from tests.backend.conftest import SERVICE_TOKEN
from tests.helpers import wait_for_async

ROOT = Path(__file__).resolve().parents[3]


async def test_each_notification_is_sent_once_while_both_replicas_dispatch_and_escalate(
    pg_settings: Settings, replicas: Replicas, pg: asyncpg.Connection
) -> None:
    hook = await RecordingHttpServer().start()
    try:
        configured = with_safeguarding(
            pg_settings,
            webhook_url=f"{hook.url}/duty",
            escalate_after_seconds=0.3,
            escalation=(contact("Deputy", webhook=f"{hook.url}/deputy"),),
        )
        a, b = await replicas(configured)
        ids = [(await post_alert(via, HEADERS, f"cluster-notify-{i}"))["alert_id"] for i, via in enumerate((a, b) * 4)]
        # Per alert: "created" to the duty webhook; after 0.3 s, "escalated" to the deputy and the duty webhook.
        kinds = (("/duty", "created"), ("/deputy", "escalated"), ("/duty", "escalated"))
        expected = {(path, i, event) for i in ids for path, event in kinds}

        async def all_sent() -> bool:
            return await pg.fetchval("SELECT count(*) FROM alert_notifications WHERE status = 'sent'") == len(expected)

        await wait_for_async(all_sent, within=30)
        # A second sender would still be mid-send now: wait until neither replica is sending anything.
        for replica in (a, b):
            await replica.app[DISPATCHER].wait_idle()
        sent = Counter((r.path, r.body["alert_id"], r.body["event"]) for r in hook.received)
        assert set(sent) == expected
        assert set(sent.values()) == {1}
        assert await pg.fetchval("SELECT count(*) FROM alert_notifications") == len(expected)
        tries = await pg.fetch("SELECT notification_id, count(*) AS n FROM alert_notification_attempts GROUP BY 1")
        assert len(tries) == len(expected) and {r["n"] for r in tries} == {1}
        steps = await pg.fetch("SELECT alert_id, count(*) AS n FROM alert_events WHERE kind = 'escalated' GROUP BY 1")
        assert sorted(r["alert_id"] for r in steps) == sorted(ids) and {r["n"] for r in steps} == {1}
    finally:
        await hook.stop()


@dataclass
class FirstRequestHangs:
    """A webhook receiver that never answers the first request (its sender is killed meanwhile), then says 200."""

    received: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    first_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((datetime.now(UTC), await request.json()))
        if len(self.received) == 1:
            self.first_arrived.set()
            await self.release.wait()
        return web.json_response({"ok": True})

    async def start(self) -> FirstRequestHangs:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


async def _serve(settings: Settings, config: Path, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    """`python -m backend serve` as a separate process, as deployed; returns it once /health answers."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "BACKEND_HOST": "127.0.0.1",
        "BACKEND_PORT": str(port),
        "SAFEGUARDING_CONFIG": str(config),
        "REMINDER_TIME": "off",
        "RETENTION_TIME": "off",
    }
    env.pop("SMTP_HOST", None)
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backend", "serve", cwd=ROOT, env=env, stdout=out, stderr=out
        )
    url = f"http://127.0.0.1:{port}"

    async def healthy() -> bool:
        assert proc.returncode is None, _read(log)
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as resp:
                return resp.status == 200
        except aiohttp.ClientConnectionError:
            return False

    await wait_for_async(healthy, within=60, interval=0.2)
    return proc, url


async def test_a_notification_claimed_by_a_killed_replica_is_sent_by_another_after_its_lease(
    pg_settings: Settings, aiohttp_client: Any, pg: asyncpg.Connection, tmp_path: Path
) -> None:
    lease = 2.0
    hook = await FirstRequestHangs().start()
    webhook = f"http://127.0.0.1:{hook.port}/hook"
    config = tmp_path / "safeguarding.yml"
    config.write_text(f"webhook: {webhook}\ntick_seconds: 0.1\nclaim_lease_seconds: {lease}\n", encoding="utf-8")
    proc, url = await _serve(pg_settings, config, tmp_path / "replica-a.log")
    try:
        async with aiohttp.ClientSession() as http:
            resp = await http.post(f"{url}/api/v1/alerts", json=alert_body("cluster-killed-1"), headers=HEADERS)
            assert resp.status == 201, await resp.text()
            alert_id = (await resp.json())["alert_id"]
        await asyncio.wait_for(hook.first_arrived.wait(), 30)
        # Replica A has claimed the row and is sending: its lease ends at next_attempt_at.
        claimed = await pg.fetchrow("SELECT id, status, attempts, next_attempt_at FROM alert_notifications")
        assert (claimed["status"], claimed["attempts"]) == ("pending", 0)
        proc.kill()  # SIGKILL: no clean shutdown, the claim is not given back
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    try:
        replica_b = with_safeguarding(pg_settings, webhook_url=webhook, claim_lease_seconds=lease)
        b: TestClient = await aiohttp_client(create_app(replica_b))

        async def sent() -> bool:
            return await pg.fetchval("SELECT status FROM alert_notifications") == "sent"

        await wait_for_async(sent, within=30)
        await b.app[DISPATCHER].wait_idle()
        # Two requests in all: the one the killed replica made, and B's after the lease had run out.
        assert [body["alert_id"] for _, body in hook.received] == [alert_id, alert_id]
        assert hook.received[1][0] >= claimed["next_attempt_at"]
        attempts = await pg.fetch("SELECT number, ok, at FROM alert_notification_attempts")
        assert [(r["number"], r["ok"]) for r in attempts] == [(1, True)]
        assert attempts[0]["at"] >= claimed["next_attempt_at"]
    finally:
        await hook.stop()


def test_the_claim_lease_comes_from_the_environment_and_must_be_positive() -> None:
    assert safeguarding_from_env({"SAFEGUARDING_CONFIG": ""}).claim_lease_seconds == 120
    env = {"SAFEGUARDING_CONFIG": "", "ALERT_CLAIM_LEASE_SECONDS": "45"}
    assert safeguarding_from_env(env).claim_lease_seconds == 45
    with pytest.raises(RuntimeError, match="claim_lease_seconds must be more than 0"):
        safeguarding_from_env({**env, "ALERT_CLAIM_LEASE_SECONDS": "0"})
