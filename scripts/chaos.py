"""`make chaos`: simulated children on the scaled deployment while its parts are killed; prints what was lost.

Starts a throw-away scaled stack (scripts/scaled.py: 2 replicas of each service
behind nginx, PostgreSQL, Redis) on free loopback ports and drives CHILDREN
simulated children through the chat page's own webhook (each on its own tablet
and its own loopback address), making anonymous and named complaints and
disclosures, for MINUTES. Meanwhile it kills -9, in turn and at random
moments, a Rasa replica, an action server, a backend process, and restarts
PostgreSQL and Redis. A child whose message fails does what the page does:
waits and sends the same message again (same message id).

At the end it compares what children were told with what the database holds:
every receipt's reference is one submission (no duplicate), every disclosure is
exactly one alert, and every alert reached the live staff stream on both
backend replicas. Exit code 1 if anything was lost or doubled.

    .venv/backend/bin/python -m scripts.chaos [--children 24] [--minutes 4] [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.scaled import ScaledStack
from scripts.stack import BACKEND_PY, ROOT, StackConfig
from tests.helpers import free_port

REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")
LEAD_PASSWORD = secrets.token_urlsafe(16)  # a throw-away account in a throw-away database
DISCLOSURES = [
    "my key worker hit me last night",
    "a man online keeps asking me to meet him and says not to tell anyone",
    "i want to kill myself",
    "one of the older lads touched me and said he would hurt me if i told",
]
COMPLAINTS = [
    "staff took my phone for no reason",
    "the heating in my room has been broken for a week",
    "i was not allowed to see my mum at the weekend",
]
# Whatever the form asks, by a word of its question (as tests/e2e/test_walking_skeleton.py answers).
ANSWERS = {"anything else": "/deny", "happen": "I want it sorted out", "first name": "Sam"}


@dataclass
class Tally:
    conversations_started: int = 0
    conversations_finished: int = 0
    receipts: list[str] = field(default_factory=list)  # references the children were told
    disclosures: list[str] = field(default_factory=list)  # conversation ids
    safety_messages: int = 0
    waits: list[float] = field(default_factory=list)  # seconds per message, retries included
    errors_seen: int = 0  # a failed send the child saw (the page shows its kind message)
    error_kinds: dict[str, int] = field(default_factory=dict)
    slowed: int = 0  # 429: the page says "slow down" and keeps the message
    faults: list[str] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors_seen += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1


class Child:
    """One simulated child on their own tablet (its cookie) and their own loopback address."""

    def __init__(self, stack: ScaledStack, number: int, tally: Tally) -> None:
        self.stack = stack
        self.number = number
        self.tally = tally
        self.rng = random.Random(number)  # noqa: S311 (a repeatable simulation, not a secret)
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{20 + number}", 0), force_close=False)
        # unsafe=True: keep the tablet cookie for an IP address host (127.0.0.1), which aiohttp skips otherwise.
        self.http = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=90)
        )
        self.base = stack.config.rasa_url
        self.transcript: list[str] = []  # this conversation, printed if the child gives up

    async def set_up_tablet(self) -> None:
        body = {"home": f"home-{self.number % 5}", "setup_code": self.stack.config.secrets["TABLET_SETUP_CODE"]}
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self.http.post(f"{self.base}/chat/setup", json=body) as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(1)

    async def say(self, sender: str, text: str) -> list[dict[str, Any]]:
        """One message, sent again with the same id until it is answered (as the chat page does)."""
        body = {"sender": sender, "message": text, "metadata": {"client_message_id": secrets.token_hex(8)}}
        started = time.monotonic()
        self.transcript.append(f"{time.strftime('%H:%M:%S')} child: {text}")
        for _ in range(60):
            try:
                async with self.http.post(f"{self.base}/chat/webhook", json=body) as resp:
                    if resp.status == 200:
                        replies = await resp.json()
                        if replies:
                            self.tally.waits.append(time.monotonic() - started)
                            self.transcript.append(f"{time.strftime('%H:%M:%S')} bot: {_text(replies)[:120]!r}")
                            return replies
                        self.tally.error("no reply")  # silence is an error too
                    elif resp.status == 429:
                        self.tally.slowed += 1
                        await asyncio.sleep(float(resp.headers.get("Retry-After", "3")))
                        continue
                    else:
                        self.tally.error(f"HTTP {resp.status}")
                        self.transcript.append(f"{time.strftime('%H:%M:%S')} HTTP {resp.status}")
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.tally.error(type(exc).__name__)
                self.transcript.append(f"{time.strftime('%H:%M:%S')} {type(exc).__name__}")
            await asyncio.sleep(1.5)
        raise RuntimeError(f"child {self.number}: no answer to {text!r} after 60 tries")

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 2.5))

    async def complaint(self, named: bool) -> None:
        sender = f"chaos-{self.number}-{secrets.token_hex(4)}"
        self.transcript = [sender]
        self.tally.conversations_started += 1
        marker = secrets.token_hex(3)
        replies = await self.say(sender, f"I want to complain, {self.rng.choice(COMPLAINTS)} ({marker})")
        await self.think()
        replies = await self.say(sender, "/affirm")
        answers = {**ANSWERS, "who you are": "/use_my_name" if named else "/stay_anonymous"}
        for _ in range(10):
            text = _text(replies)
            if "Shall I send it?" in text:
                break
            answer = next((a for key, a in answers.items() if key in text), None)
            if answer is None:
                raise RuntimeError(f"child {self.number}: unexpected question:\n  " + "\n  ".join(self.transcript))
            await self.think()
            replies = await self.say(sender, answer)
        replies = await self.say(sender, "/affirm")
        for _ in range(20):  # "not sent yet": the child presses Try again, as the button offers
            found = REFERENCE.search(_text(replies))
            if found:
                self.tally.receipts.append(found.group(0))
                self.tally.conversations_finished += 1
                return
            await asyncio.sleep(2)
            replies = await self.say(sender, "/try_again")  # the button the answer offers
        raise RuntimeError(f"child {self.number}: never told it was sent:\n  " + "\n  ".join(self.transcript))

    async def disclosure(self) -> None:
        sender = f"chaos-{self.number}-{secrets.token_hex(4)}"
        self.tally.conversations_started += 1
        self.tally.disclosures.append(sender)
        replies = await self.say(sender, self.rng.choice(DISCLOSURES))
        if "999" in _text(replies) or "0800 1111" in _text(replies):
            self.tally.safety_messages += 1
        self.tally.conversations_finished += 1

    async def run_until(self, deadline: float) -> None:
        await self.set_up_tablet()
        try:
            while time.monotonic() < deadline:
                roll = self.rng.random()
                if roll < 0.3:
                    await self.disclosure()
                else:
                    await self.complaint(named=roll > 0.65)
                await self.think()
        finally:
            await self.http.close()


def _text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


class StaffWatcher:
    """The live staff alert page, connected straight to one backend replica, reconnecting as the page does."""

    def __init__(self, url: str, http: aiohttp.ClientSession) -> None:
        self.url = url
        self.http = http
        self.seen: set[str] = set()  # conversation ids of alerts seen as live events or in a snapshot

    async def run(self) -> None:
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
                async with self.http.get(self.url) as resp:
                    event = ""
                    async for raw in resp.content:
                        line = raw.decode().strip()
                        if line.startswith("event:"):
                            event = line.split(":", 1)[1].strip()
                        elif line.startswith("data:") and event in ("alert", "snapshot"):
                            data = json.loads(line.split(":", 1)[1])
                            for alert in data if isinstance(data, list) else [data]:
                                self.seen.add(alert.get("conversation_id", ""))
            await asyncio.sleep(2)  # the page's `retry: 2000`


async def staff_session(stack: ScaledStack, backend_url: str) -> aiohttp.ClientSession:
    """A safeguarding lead made with the real CLI, logged in as a browser would (its cookies kept)."""
    await asyncio.to_thread(
        subprocess.run,
        [str(BACKEND_PY), "-m", "backend", "users", "create", "--role", "safeguarding_lead", "--username", "lead"],
        input=LEAD_PASSWORD + "\n",
        text=True,
        cwd=ROOT,
        env=stack.backend_env(),
        check=True,
        capture_output=True,
    )
    # unsafe=True: keep cookies for an IP address host (127.0.0.1), which aiohttp skips otherwise.
    http = aiohttp.ClientSession(
        cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=None, sock_read=60)
    )
    async with http.get(f"{backend_url}/staff/login") as resp:
        found = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
    form = {"username": "lead", "password": LEAD_PASSWORD, **({"csrf_token": found.group(1)} if found else {})}
    async with http.post(f"{backend_url}/staff/login", data=form, allow_redirects=False) as resp:
        if resp.status != 303:
            raise RuntimeError(f"staff login failed: {resp.status}")
    return http


def restart_postgres() -> None:
    version = sorted(Path("/etc/postgresql").iterdir())[-1].name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
    )


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False, capture_output=True)
    subprocess.run(["scripts/ensure_redis.sh"], cwd=ROOT, check=True, capture_output=True)


# Each fault falls at a random moment of its own slot of this many seconds (--short: 15).
FAULT_SLOT_SECONDS = 25.0


def all_up(stack: ScaledStack, kind: str) -> bool:
    """Every replica of `kind` answers its health check (a Rasa replica takes ~40 s to load)."""
    programs = [p for p in stack.programs() if p.name.startswith(f"{kind}-")]
    return all(_healthy(p.health_url) for p in programs)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (our own loopback replica)
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


async def inject_faults(stack: ScaledStack, tally: Tally, deadline: float, rng: random.Random, once: bool) -> None:
    """In turn, each at a random moment of its slot: kill -9 a Rasa replica, an action server,
    a backend; restart PostgreSQL; restart Redis. `once`: each kind once, then stop.

    A replica is killed only once every replica of its kind is back up: the run is about
    losing one process at a time, which the deployment must survive, not all of them.
    """
    faults = [
        ("rasa", "kill -9 rasa-{n}", lambda n: stack.kill(f"rasa-{n}")),
        ("actions", "kill -9 actions-{n}", lambda n: stack.kill(f"actions-{n}")),
        ("backend", "kill -9 backend-{n}", lambda n: stack.kill(f"backend-{n}")),
        ("", "restart PostgreSQL", lambda n: restart_postgres()),
        ("", "restart Redis", lambda n: restart_redis()),
    ]
    turn = 0
    slot = 15.0 if once else FAULT_SLOT_SECONDS
    while time.monotonic() + slot < deadline:
        kind, name, fault = faults[turn % len(faults)]
        slot_end = time.monotonic() + slot
        await asyncio.sleep(rng.uniform(0.1, 0.9) * slot)
        while kind and not await asyncio.to_thread(all_up, stack, kind) and time.monotonic() < deadline:  # noqa: ASYNC110 (polls other processes)
            await asyncio.sleep(1)
        n = rng.randint(1, len(stack.replicas))
        await asyncio.to_thread(fault, n)
        tally.faults.append(f"{time.strftime('%H:%M:%S')} {name.format(n=n)}")
        turn += 1
        if once and turn == len(faults):
            return
        await asyncio.sleep(max(0.0, slot_end - time.monotonic()))


async def database_counts(stack: ScaledStack, tally: Tally) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(stack.config.database_url.replace("+asyncpg", ""))
    try:
        references = [r["reference"] for r in await conn.fetch("SELECT reference FROM submissions")]
        alerts = await conn.fetch(
            "SELECT conversation_id, COUNT(*) AS n FROM alerts WHERE conversation_id LIKE 'chaos-%' "
            "GROUP BY conversation_id"
        )
    finally:
        await conn.close()
    per_conversation = {r["conversation_id"]: r["n"] for r in alerts}
    return {"references": references, "alerts": per_conversation}


async def wait_for_outboxes(stack: ScaledStack, tally: Tally, within: float = 120) -> dict[str, Any]:
    """Alerts still in an outbox arrive after the last fault: wait until every disclosure has one."""
    deadline = time.monotonic() + within
    while True:
        counts = await database_counts(stack, tally)
        if all(c in counts["alerts"] for c in tally.disclosures) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(2)


def report(tally: Tally, counts: dict[str, Any], watchers: list[StaffWatcher], seconds: float) -> bool:
    told = set(tally.receipts)
    stored = counts["references"]
    lost = told - set(stored)
    duplicated = len(stored) - len(set(stored))
    alerts = counts["alerts"]
    missing_alerts = [c for c in tally.disclosures if c not in alerts]
    doubled_alerts = [c for c, n in alerts.items() if n > 1]
    live = [sum(1 for c in tally.disclosures if c in w.seen) for w in watchers]
    waits = sorted(tally.waits)
    rows = [
        ("run", f"{seconds / 60:.1f} min, {len(tally.faults)} faults"),
        ("conversations started / finished", f"{tally.conversations_started} / {tally.conversations_finished}"),
        ("submissions told sent / in the database", f"{len(told)} / {len(set(stored) & told)}"),
        ("submissions lost / duplicated", f"{len(lost)} / {duplicated}"),
        ("disclosures / alerts (exactly one each)", f"{len(tally.disclosures)} / {len(alerts)}"),
        ("alerts lost / doubled", f"{len(missing_alerts)} / {len(doubled_alerts)}"),
        ("safety message given", f"{tally.safety_messages} of {len(tally.disclosures)}"),
        ("alerts on the live page, per backend replica", " / ".join(f"{n} of {len(tally.disclosures)}" for n in live)),
        ("messages / median / p95 / longest wait", _waits(waits)),
        ("errors a child saw (then sent again)", f"{tally.errors_seen} {_kinds(tally.error_kinds)}".strip()),
        ("'slow down' answers (rate limit)", str(tally.slowed)),
    ]
    width = max(len(r[0]) for r in rows)
    print("\nfaults: " + "; ".join(tally.faults))
    print("\n".join(f"| {name.ljust(width)} | {value} |" for name, value in rows))
    return (
        not lost
        and not duplicated
        and not missing_alerts
        and not doubled_alerts
        and all(n == len(tally.disclosures) for n in live)
    )


def _kinds(kinds: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) + ")" if kinds else ""


def _waits(waits: list[float]) -> str:
    if not waits:
        return "none"
    p95 = waits[int(0.95 * (len(waits) - 1))]
    return f"{len(waits)} / {statistics.median(waits):.2f} s / {p95:.2f} s / {waits[-1]:.1f} s"


async def run(children: int, minutes: float, short: bool) -> bool:
    data = Path(__import__("tempfile").mkdtemp(prefix="chaos-"))
    name = f"chaos{secrets.token_hex(3)}"
    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        backend_port=free_port(),
        model=str(ROOT / "models/current.tar.gz"),
        data_dir=data / "var",
        log_dir=data / "logs",
        tracker_db=str(data / "var/tracker.sqlite3"),
        secrets={
            "SERVICE_TOKEN": secrets.token_urlsafe(32),
            "RASA_AUTH_TOKEN": secrets.token_urlsafe(32),
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
            "TABLET_SETUP_CODE": "135791",
            "TABLET_TOKEN_KEY": secrets.token_urlsafe(32),
        },
        # Escalation and reminders stay quiet: this run is about what is lost, not who is emailed.
        extra_env={"HOME_CODE": "home-0"},
    )
    ports = [free_port() for _ in range(6)]
    stack = ScaledStack.on_ports(config, ports, name, fresh=True)
    print(f"==> starting the scaled stack (logs in {data / 'logs'})", flush=True)
    stack.start()
    tally = Tally()
    try:
        staff = await staff_session(stack, config.backend_url)
        watchers = [
            StaffWatcher(f"http://127.0.0.1:{r.backend_port}/staff/alerts/stream", staff) for r in stack.replicas
        ]
        watching = [asyncio.create_task(w.run()) for w in watchers]
        started = time.monotonic()
        deadline = started + minutes * 60
        print(f"==> {children} children for {minutes:g} min while parts are killed", flush=True)
        rng = random.Random(7)  # noqa: S311 (repeatable fault moments)
        fault_task = asyncio.create_task(inject_faults(stack, tally, deadline, rng, once=short))
        results = await asyncio.gather(
            *(Child(stack, i, tally).run_until(deadline) for i in range(children)), return_exceptions=True
        )
        fault_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fault_task
        for result in results:
            if isinstance(result, Exception):
                print(f"!! a child gave up: {result}")
        counts = await wait_for_outboxes(stack, tally)
        await asyncio.sleep(5)  # the live streams catch up after a reconnect
        for task in watching:
            task.cancel()
        await staff.close()
        ok = report(tally, counts, watchers, time.monotonic() - started)
        return ok and not any(isinstance(r, Exception) for r in results)
    finally:
        stack.stop()
        stack.drop_databases()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=24)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--short", action="store_true", help="one fault of each kind (the version make test runs)")
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.children, args.minutes, args.short))
    print("==> nothing lost, nothing doubled" if ok else "!! something was lost or doubled (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
