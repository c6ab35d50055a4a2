"""Measure the running product: chat-turn latency and memory (prints numbers; asserts nothing).

Starts its own stack on free ports with throw-away databases (the trained model
must exist: `make train`), then plays N complaint conversations through Rasa's
REST webhook. Run with `make benchmark` or `python3 scripts/benchmark.py [N]`.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import BACKEND_PY, ROOT, Stack, StackConfig, post_json

COMPLAINT = [
    "I want to complain, staff took my phone for no reason",
    "/affirm",
    "I want my phone back",
    "/use_my_name",
    "Sam",
    "/affirm",  # the turn that ends in a backend write
]


DISCLOSURES = [
    "my key worker hit me last night",
    "/feel_unsafe",
    "i want to kill myself",
    "an older guy keeps messaging me and wants to meet up, he said not to tell anyone",
    "i got made to carry a package to another town for some lads",
]


def rest_webhook(config: StackConfig) -> str:
    """The REST channel needs Rasa's token; `?token=` as Rasa's own API takes it (no access log is written)."""
    return f"{config.rasa_url}/webhooks/rest/webhook?token={config.secrets['RASA_AUTH_TOKEN']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _staff_opener(stack: Stack, backend_url: str) -> urllib.request.OpenerDirector:
    """Create a safeguarding lead with the real CLI and log in as a browser would."""
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [str(BACKEND_PY), "-m", "backend", "users", "create", "--role", "safeguarding_lead", "--username", "bench"],
        input=password + "\n", text=True, cwd=ROOT, env=stack.backend_env(), check=True, capture_output=True,
    )  # fmt: skip
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{backend_url}/staff/login") as resp:
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": "bench", "password": password, "csrf_token": token}).encode()
    opener.open(f"{backend_url}/staff/login", data=form).close()
    return opener


def _listen(opener: urllib.request.OpenerDirector, url: str, seen: dict[str, float], ready: threading.Event) -> None:
    """Read the live alert stream the staff page uses; note when each conversation's alert arrives."""
    with opener.open(url, timeout=120) as stream:
        ready.set()
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "alert":
                seen.setdefault(json.loads(line[6:])["conversation_id"], time.perf_counter())


def measure_alerts(stack: Stack, config: StackConfig, count: int) -> None:
    opener = _staff_opener(stack, config.backend_url)
    seen: dict[str, float] = {}
    ready = threading.Event()
    threading.Thread(
        target=_listen, args=(opener, f"{config.backend_url}/staff/alerts/stream", seen, ready), daemon=True
    ).start()
    ready.wait(10)
    latencies: list[float] = []
    for i in range(count):
        sender = str(uuid.uuid4())
        t0 = time.perf_counter()
        post_json(rest_webhook(config), {"sender": sender, "message": DISCLOSURES[i % 5]})
        deadline = time.monotonic() + 10
        while sender not in seen and time.monotonic() < deadline:
            time.sleep(0.005)
        latencies.append((seen.get(sender, float("inf")) - t0) * 1000)
    missed = sum(1 for v in latencies if v == float("inf"))
    shown = [v for v in latencies if v != float("inf")]
    print(
        f"child's message -> alert on the staff page's live stream ({count} alerts): "
        f"median {statistics.median(shown):.0f} ms, worst {max(shown):.0f} ms, missing after 10 s: {missed}"
    )


def main(conversations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = StackConfig(
            rasa_port=_free_port(),
            actions_port=_free_port(),
            backend_port=_free_port(),
            database_url=f"sqlite+aiosqlite:///{tmp}/backend.sqlite3",
            tracker_db=f"{tmp}/tracker.sqlite3",
            outbox_dir=f"{tmp}/outbox",
            secrets={
                key: secrets.token_urlsafe(32)
                for key in ("SERVICE_TOKEN", "RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "TABLET_TOKEN_KEY")
            }
            | {"TABLET_SETUP_CODE": "246810"},
            log_dir=Path(tmp) / "logs",
        )
        stack = Stack(config)
        started = time.perf_counter()
        stack.start()
        print(f"stack ready in {time.perf_counter() - started:.1f} s")
        try:
            url = rest_webhook(config)
            writes: list[float] = []
            others: list[float] = []
            for _ in range(conversations):
                sender = str(uuid.uuid4())
                for i, message in enumerate(COMPLAINT):
                    t0 = time.perf_counter()
                    replies = post_json(url, {"sender": sender, "message": message})
                    elapsed = (time.perf_counter() - t0) * 1000
                    (writes if i == len(COMPLAINT) - 1 else others).append(elapsed)
                assert any("reference" in r.get("text", "") for r in replies), replies  # type: ignore[union-attr]
            print(f"conversations: {conversations} complaints, {len(COMPLAINT)} turns each")
            print(
                f"turn ending in a backend write: median {statistics.median(writes):.0f} ms, "
                f"p95 {_pct(writes, 0.95):.0f} ms, max {max(writes):.0f} ms"
            )
            print(
                f"other turns:                    median {statistics.median(others):.0f} ms, "
                f"p95 {_pct(others, 0.95):.0f} ms, max {max(others):.0f} ms"
            )
            measure_alerts(stack, config, conversations)
            for name, proc in stack.processes.items():
                print(f"memory {name:8s} {_rss_mb(proc.pid):7.0f} MB RSS")
        finally:
            stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
