"""Measure the running product: chat-turn latency and memory (prints numbers; asserts nothing).

Starts its own stack on free ports with throw-away databases (the trained model
must exist: `make train`), then plays N complaint conversations through Rasa's
REST webhook. Run with `make benchmark` or `python3 scripts/benchmark.py [N]`.
"""

from __future__ import annotations

import secrets
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import Stack, StackConfig, post_json

COMPLAINT = [
    "I want to complain, staff took my phone for no reason",
    "/affirm",
    "I want my phone back",
    "/choose_named",
    "Sam",
    "/affirm",  # the turn that ends in a backend write
]


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


def main(conversations: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = StackConfig(
            rasa_port=_free_port(),
            actions_port=_free_port(),
            backend_port=_free_port(),
            database_url=f"sqlite+aiosqlite:///{tmp}/backend.sqlite3",
            tracker_db=f"{tmp}/tracker.sqlite3",
            outbox_dir=f"{tmp}/outbox",
            secrets={"SERVICE_TOKEN": secrets.token_urlsafe(32), "RASA_AUTH_TOKEN": secrets.token_urlsafe(32)},
            log_dir=Path(tmp) / "logs",
        )
        stack = Stack(config)
        started = time.perf_counter()
        stack.start()
        print(f"stack ready in {time.perf_counter() - started:.1f} s")
        try:
            url = f"{config.rasa_url}/webhooks/rest/webhook"
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
            for name, proc in stack.processes.items():
                print(f"memory {name:8s} {_rss_mb(proc.pid):7.0f} MB RSS")
        finally:
            stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
