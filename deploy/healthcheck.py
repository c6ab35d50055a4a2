"""Is every service up? One line per service; exit 1 if any is not.

Standard library only, so the system Python runs it (feedback-healthcheck.timer, or any
monitoring system that reads exit codes). Each service is asked on the address it listens
on, not through nginx: the backend and the action server at /health, Rasa at / (it has no
/health; it answers "Hello from Rasa" once the model is loaded).

Usage: healthcheck.py [--backend URL]... [--actions URL]... [--rasa URL]... [--timeout S]
(each option may be repeated, one per instance; defaults are the ports of make run)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

# What each kind of service answers when it is healthy.
HEALTH_PATHS = {"backend": "/health", "actions": "/health", "rasa": "/"}
DEFAULTS = {"backend": "http://127.0.0.1:8000", "actions": "http://127.0.0.1:5055", "rasa": "http://127.0.0.1:5005"}


@dataclass(frozen=True)
class Result:
    name: str
    url: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.name:<8} {self.url}  {self.detail}"


def _reason(body: bytes) -> str:
    """The backend says which part is unwell ({"database": "unreachable"}); keep that, briefly."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:80].decode(errors="replace").strip()
    if isinstance(data, dict):
        return ", ".join(f"{k}: {v}" for k, v in data.items() if isinstance(v, str | int | bool))[:120]
    return ""


def check(name: str, base_url: str, timeout: float) -> Result:
    url = base_url.rstrip("/") + HEALTH_PATHS[name]
    started = time.monotonic()
    try:
        # Only the addresses given on the command line (our own services) are asked.
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310
            body = resp.read(4096)
            status = resp.status
    except urllib.error.HTTPError as exc:
        return Result(name, url, False, f"HTTP {exc.code} {_reason(exc.read(4096))}".strip())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Result(name, url, False, f"not reachable: {reason}")
    millis = round((time.monotonic() - started) * 1000)
    return Result(name, url, status == 200, f"HTTP {status} in {millis} ms {_reason(body)}".strip())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in HEALTH_PATHS:
        parser.add_argument(f"--{name}", action="append", metavar="URL", help=f"default {DEFAULTS[name]}")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per service (default 5)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = [
        check(name, url, args.timeout) for name in HEALTH_PATHS for url in (getattr(args, name) or [DEFAULTS[name]])
    ]
    for result in results:
        print(result.line(), flush=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
