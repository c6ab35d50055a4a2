"""Closed-loop load benchmark: this product (one replica, and scaled) against Rasa's own `rasa init` bot.

Prints numbers, asserts nothing. In one run on this machine it starts, one after the other:

- `product`: this product as `make run` starts it (scripts/supervision.py), one replica;
- `scaled`: the scaled deployment (scripts/scaled.py), two replicas behind nginx on PostgreSQL and Redis;
- `init`: the bot `rasa init` creates, trained here into a temporary folder and served with
  `rasa run --enable-api` (its in-memory tracker and lock stores, no action server: it has no custom action).

Each gets the same closed-loop load: N simulated children (N = 1, 10, 50) each send their next
message as soon as the answer to the last one arrives, for a fixed time after a warm-up; turns/s,
p50 and p95 per N. The conversation has the same shape for both kinds of bot: for this product a
whole complaint (ending in the backend write), for the `rasa init` bot its own sad-path story; and,
like for like, short repeated messages ("hi") for both at 50 at once. Then one table, with the
ratio product / `rasa init` bot at each load.

Each simulated child connects from its own loopback address (127.0.x.y), as each tablet has its own
address: the product's REST channel limits each address to 10 messages a second (bot/channels/rate_limit.py).

    .venv/dev/bin/python -m scripts.benchmark [--only product,scaled,init] [--loads 1,10,50]
        [--seconds 25] [--warmup 5] [--short-load 50] [--alerts 10] [--same-texts] [--init-dir DIR]

The trained model models/current.tar.gz must exist (`make train`).
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import itertools
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.stack import BACKEND_PY, QUIET_RASA_ENV, ROOT, Stack, StackConfig, post_json

RASA_BIN = ROOT / ".venv/rasa/bin/rasa"
MODEL = ROOT / "models/current.tar.gz"

# A whole complaint, named, as a child taps and types it; the last turn is the backend write.
COMPLAINT = [
    "I want to complain, staff took my phone for no reason",
    "/affirm",  # yes, it is a complaint
    "/deny",  # nothing else to add
    "I want my phone back",
    "/use_my_name",
    "Sam",
    "/affirm",  # send it: the turn that ends in a backend write
]
COMPLAINT_DONE = "reference"  # the last answer gives the reference: the conversation went as scripted
# What was taken, and when: every conversation's typed words differ, as children's do, so the
# safeguarding detector's memory of messages it has read (bot/safeguarding/component.py) does
# not make the same few sentences free after the first conversation.
ITEMS = ["phone", "tablet", "headphones", "charger", "football", "trainers", "hoodie", "speaker"]
# The `rasa init` bot's own sad path (data/stories.yml of its template), then goodbye.
INIT_STORY = ["hi", "I am sad", "yes", "bye"]
INIT_DONE = "Bye"
# Like for like: the same short message again and again, four to a conversation.
SHORT = ["hi"] * 4

Script = Callable[[int], list[str]]  # the messages of conversation number k


def complaint(k: int) -> list[str]:
    """COMPLAINT in words no earlier conversation used (unique for the first 6,720)."""
    item = ITEMS[k % len(ITEMS)]
    hour, minute = 7 + (k // len(ITEMS)) % 14, (k // (len(ITEMS) * 14)) % 60
    return [
        f"I want to complain, staff took my {item} at {hour}:{minute:02d} for no reason",
        "/affirm",
        "/deny",
        f"I want my {item} back by {hour + 1}:{minute:02d}",
        "/use_my_name",
        "Sam",
        "/affirm",
    ]


def always(messages: list[str]) -> Script:
    return lambda _k: messages


DISCLOSURES = [
    "my key worker hit me last night",
    "/feel_unsafe",
    "i want to kill myself",
    "an older guy keeps messaging me and wants to meet up, he said not to tell anyone",
    "i got made to carry a package to another town for some lads",
]

TARGET_TITLES = {"product": "product, 1 replica", "scaled": "product, 2 replicas", "init": "rasa init bot"}
SCENARIO_TITLES = {"conversation": "whole conversation", "short": 'short "hi" x4'}


# -- the load generator -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A running bot: its REST webhook, the headers it needs, and the scripts it is given."""

    name: str
    webhook: str
    headers: dict[str, str]
    scripts: dict[str, Script]  # scenario -> the messages of conversation number k
    done_marker: dict[str, str]  # scenario -> text the last answer holds when the script went as planned


@dataclass(frozen=True)
class Turn:
    started: float
    ended: float
    step: int  # index of the message in the script
    last: bool  # the script's last turn (for the product: the backend write)


@dataclass
class Measurement:
    target: str
    scenario: str
    children: int
    seconds: float
    turns: list[Turn] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    scripted: int = 0  # conversations whose last answer held the marker
    unscripted: int = 0  # ... and those whose last answer did not (the bot understood something else)
    late: int = 0  # turns answered after the window closed (in flight when it did; not counted)
    load_average: float = 0.0

    @property
    def latencies(self) -> list[float]:
        return [(t.ended - t.started) * 1000 for t in self.turns]

    @property
    def last_turn_latencies(self) -> list[float]:
        return [(t.ended - t.started) * 1000 for t in self.turns if t.last]

    @property
    def turns_per_second(self) -> float:
        return len(self.turns) / self.seconds

    def p(self, q: float, values: list[float] | None = None) -> float:
        return percentile(self.latencies if values is None else values, q)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(q * len(ordered)))) - 1]


class _Addresses:
    """A fresh loopback source address for every simulated child of the run (127.0.0.0/8 is all loopback)."""

    def __init__(self) -> None:
        self._next = 0

    def take(self) -> str:
        n, self._next = self._next, self._next + 1
        return f"127.{1 + n // 62500}.{(n // 250) % 250}.{2 + n % 250}"


ADDRESSES = _Addresses()
_COUNTERS: dict[str, Iterator[int]] = {}  # conversations started so far, per target


async def _send(session: Any, target: Target, sender: str, message: str) -> tuple[int | str, list[dict[str, Any]]]:
    import aiohttp

    try:
        async with session.post(target.webhook, json={"sender": sender, "message": message}) as resp:
            if resp.status != 200:
                await resp.read()
                return resp.status, []
            return 200, await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__, []


@dataclass(frozen=True)
class Window:
    """When turns count: answered between `start` and `end`; `stop` (when given and set) closes it early."""

    start: float
    end: float
    stop: asyncio.Event | None = None

    def is_open(self) -> bool:
        return time.perf_counter() < self.end and not (self.stop is not None and self.stop.is_set())


async def _child(target: Target, scenario: str, window: Window, result: Measurement) -> None:
    """One simulated child: conversation after conversation until the window closes; each message
    is sent as soon as the answer to the last one arrives (a closed loop)."""
    import aiohttp

    start, end = window.start, window.end
    script = target.scripts[scenario]
    counter = _COUNTERS.setdefault(target.name, itertools.count())
    marker = target.done_marker.get(scenario)
    connector = aiohttp.TCPConnector(limit=1, local_addr=(ADDRESSES.take(), 0))
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=target.headers) as session:
        while window.is_open():
            sender = uuid.uuid4().hex
            messages = script(next(counter))
            for step, message in enumerate(messages):
                if not window.is_open():
                    return
                t0 = time.perf_counter()
                status, replies = await _send(session, target, sender, message)
                t1 = time.perf_counter()
                counted = start <= t1 <= end
                if t1 > end and status == 200:
                    result.late += 1
                if status != 200:
                    if counted:
                        result.errors[str(status)] = result.errors.get(str(status), 0) + 1
                    break  # start a new conversation: this one is out of step with its script
                if counted:
                    last = step == len(messages) - 1
                    result.turns.append(Turn(t0, t1, step, last))
                    if last and marker is not None:
                        said = " ".join(str(r.get("text", "")) for r in replies)
                        if marker in said:
                            result.scripted += 1
                        else:
                            result.unscripted += 1


async def closed_loop(
    target: Target, scenario: str, children: int, warmup: float, seconds: float, stop: asyncio.Event | None = None
) -> Measurement:
    """`children` simulated children for `warmup` + `seconds`; only turns answered inside the last
    `seconds` count. Every child's last message is answered before this returns, so nothing of one
    step's load spills into the next. `stop` ends it sooner (for tests; turns/s then means nothing)."""
    result = Measurement(target.name, scenario, children, seconds)
    now = time.perf_counter()
    window = Window(now + warmup, now + warmup + seconds, stop)
    await asyncio.gather(*(_child(target, scenario, window, result) for _ in range(children)))
    result.load_average = os.getloadavg()[0]
    return result


# -- the bots under test -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _new_secrets() -> dict[str, str]:
    keys = ("SERVICE_TOKEN", "RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "TABLET_TOKEN_KEY")
    return {key: secrets.token_urlsafe(32) for key in keys} | {"TABLET_SETUP_CODE": "246810"}


def product_config(tmp: Path) -> StackConfig:
    """A throw-away stack on free ports, as `make run` configures it (SQLite backend and tracker store)."""
    data = tmp / "var"
    return StackConfig(
        rasa_port=_free_port(),
        actions_port=_free_port(),
        backend_port=_free_port(),
        database_url=f"sqlite+aiosqlite:///{data / 'backend.sqlite3'}",
        tracker_db=str(data / "tracker.sqlite3"),
        model=str(MODEL),
        outbox_dir=str(data / "outbox"),
        data_dir=data,
        secrets=_new_secrets(),
        log_dir=tmp / "logs",
    )


def product_target(name: str, config: StackConfig, same_texts: bool = False) -> Target:
    return Target(
        name=name,
        webhook=f"{config.rasa_url}/webhooks/rest/webhook",
        headers={"Authorization": f"Bearer {config.secrets['RASA_AUTH_TOKEN']}"},
        scripts={"conversation": always(COMPLAINT) if same_texts else complaint, "short": always(SHORT)},
        done_marker={"conversation": COMPLAINT_DONE},
    )


@contextmanager
def product_stack(tmp: Path, same_texts: bool = False) -> Iterator[tuple[Target, Stack]]:
    from scripts.supervision import SupervisedStack

    config = product_config(tmp)
    stack = SupervisedStack(config)
    started = time.perf_counter()
    try:
        stack.start()
        print(f"  product (1 replica) ready in {time.perf_counter() - started:.0f} s", flush=True)
        yield product_target("product", config, same_texts), stack
    finally:
        stack.stop()


@contextmanager
def scaled_stack(tmp: Path, same_texts: bool = False, replicas: int = 2) -> Iterator[tuple[Target, Stack]]:
    from scripts.scaled import ScaledStack

    config = product_config(tmp)
    ports = [_free_port() for _ in range(3 * replicas)]
    stack = ScaledStack.on_ports(config, ports, f"bench_{secrets.token_hex(4)}", fresh=True)
    started = time.perf_counter()
    try:
        stack.start()
        print(f"  product ({replicas} replicas) ready in {time.perf_counter() - started:.0f} s", flush=True)
        yield product_target("scaled", stack.config, same_texts), stack
    finally:
        stack.stop()
        stack.drop_databases()


def rasa_env() -> dict[str, str]:
    env = {**os.environ, **QUIET_RASA_ENV}
    env.pop("VIRTUAL_ENV", None)
    return env


def train_init_bot(folder: Path) -> None:
    """`rasa init --no-prompt` writes the template project and trains its model into folder/models."""
    if any((folder / "models").glob("*.tar.gz")):
        print(f"  rasa init bot: reusing the model in {folder / 'models'}", flush=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    done = subprocess.run(
        [str(RASA_BIN), "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder, env=rasa_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0 or not any((folder / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    print(f"  rasa init bot trained in {time.perf_counter() - started:.0f} s", flush=True)


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (our own loopback URL)
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"nothing answered at {url}")


@contextmanager
def init_bot(tmp: Path, folder: Path | None) -> Iterator[tuple[Target, None]]:
    """Rasa's own starter bot, as `rasa run --enable-api` serves it."""
    folder = folder or tmp / "rasa_init"
    train_init_bot(folder)
    port = _free_port()
    with open(tmp / "rasa_init.log", "ab") as log:
        proc = subprocess.Popen(
            [str(RASA_BIN), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
             "--model", "models"],
            cwd=folder, env=rasa_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            started = time.perf_counter()
            _wait_http(f"http://127.0.0.1:{port}/", proc, 240)
            print(f"  rasa init bot ready in {time.perf_counter() - started:.0f} s", flush=True)
            yield (
                Target(
                    name="init",
                    webhook=f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                    headers={},
                    scripts={"conversation": always(INIT_STORY), "short": always(SHORT)},
                    done_marker={"conversation": INIT_DONE},
                ),
                None,
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# -- alert latency and memory (one replica) ------------------------------------------------------------


def _create_lead(stack: Stack) -> str:
    """Create the safeguarding lead `bench` with the real CLI; returns its password."""
    password = secrets.token_urlsafe(16)
    subprocess.run(
        [str(BACKEND_PY), "-m", "backend", "users", "create", "--role", "safeguarding_lead", "--username", "bench"],
        input=password + "\n", text=True, cwd=ROOT, env=stack.backend_env(), check=True, capture_output=True,
    )  # fmt: skip
    return password


def _staff_opener(backend_url: str, password: str) -> urllib.request.OpenerDirector:
    """Log in as `bench` as a browser would."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{backend_url}/staff/login") as resp:
        token = re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": "bench", "password": password, "csrf_token": token}).encode()
    opener.open(f"{backend_url}/staff/login", data=form).close()
    return opener


def _listen(
    opener: urllib.request.OpenerDirector, url: str, seen: dict[str, tuple[float, int]], ready: threading.Event
) -> None:
    """Read the live alert stream the staff page uses; note when each conversation's alert arrives, and its id."""
    with opener.open(url, timeout=120) as stream:
        ready.set()
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "alert":
                alert = json.loads(line[6:])
                seen.setdefault(alert["conversation_id"], (time.perf_counter(), alert["id"]))


# Run in the page before its own scripts: the wall-clock time (ms since the epoch) at which each
# alert's row is first put in the table, so the browser's share is timed by the browser itself.
NOTE_NEW_ROWS = """
window.__rowShown = {};
new MutationObserver(function () {
  document.querySelectorAll("tr[data-id]").forEach(function (tr) {
    if (!(tr.dataset.id in window.__rowShown)) {
      window.__rowShown[tr.dataset.id] = performance.timeOrigin + performance.now();
    }
  });
}).observe(document, { childList: true, subtree: true });
"""

RowShown = Callable[[int], float | None]  # alert id -> when its row appeared (time.time() seconds), None: not in 10 s


@contextmanager
def _live_alerts_page(backend_url: str, password: str) -> Iterator[RowShown | None]:
    """The live alerts page open in Debian's Chromium, as a safeguarding lead has it open all day.

    Yields None (and says why) where Chromium or Playwright is missing: the stream is still measured.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright

        from tests.browser import launch_chromium
    except ImportError as exc:
        print(f"  (no Chromium measurement: {exc})")
        yield None
        return
    with sync_playwright() as pw:
        try:
            browser = launch_chromium(pw)
        except FileNotFoundError as exc:
            print(f"  (no Chromium measurement: {exc})")
            yield None
            return
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
            page.add_init_script(NOTE_NEW_ROWS)
            page.goto(f"{backend_url}/staff/login?next=/staff/alerts")
            page.fill("input[name=username]", "bench")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url("**/staff/alerts")
            expect(page.locator("#live-status")).to_have_text("Live")  # its event stream is connected

            def row_shown(alert_id: int) -> float | None:
                try:
                    page.wait_for_function("id => id in window.__rowShown", arg=str(alert_id), timeout=10_000)
                except PlaywrightError:
                    return None
                return page.evaluate("id => window.__rowShown[id]", str(alert_id)) / 1000

            yield row_shown
        finally:
            browser.close()


def _print_latencies(what: str, count: int, latencies: list[float]) -> None:
    shown = [v for v in latencies if v != float("inf")]
    if shown:
        print(
            f"  child's message -> {what} ({count}, one at a time): "
            f"median {statistics.median(shown):.0f} ms, worst {max(shown):.0f} ms, "
            f"missing after 10 s: {count - len(shown)}"
        )


def measure_alerts(stack: Stack, target: Target, count: int) -> None:
    """A disclosure typed by a child until its alert is on the staff page's live stream, and until its row
    is in the live alerts page open in Chromium; one at a time."""
    config = stack.config
    password = _create_lead(stack)
    opener = _staff_opener(config.backend_url, password)
    seen: dict[str, tuple[float, int]] = {}
    ready = threading.Event()
    threading.Thread(
        target=_listen, args=(opener, f"{config.backend_url}/staff/alerts/stream", seen, ready), daemon=True
    ).start()
    ready.wait(10)
    token = config.secrets["RASA_AUTH_TOKEN"]
    on_stream: list[float] = []
    in_browser: list[float] = []
    with _live_alerts_page(config.backend_url, password) as row_shown:
        for i in range(count):
            sender = str(uuid.uuid4())
            sent_at, t0 = time.time(), time.perf_counter()
            post_json(
                f"{target.webhook}?token={token}", {"sender": sender, "message": DISCLOSURES[i % len(DISCLOSURES)]}
            )
            deadline = time.monotonic() + 10
            while sender not in seen and time.monotonic() < deadline:
                time.sleep(0.005)  # polling a dict the listener thread fills; the stream itself has no callback here
            arrived, alert_id = seen.get(sender, (float("inf"), 0))
            on_stream.append((arrived - t0) * 1000)
            if row_shown is not None:
                shown_at = row_shown(alert_id) if alert_id else None
                in_browser.append(float("inf") if shown_at is None else (shown_at - sent_at) * 1000)
    _print_latencies("alert on the staff page's live stream", count, on_stream)
    _print_latencies("its row in the live alerts page (Chromium)", count, in_browser)


NAVIGATION_TIMING = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const bytes = performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, n.transferSize);
  return {load_ms: n.loadEventEnd, transfer_bytes: bytes};
}"""


def measure_chat_page(stack: Stack, loads: int = 5) -> None:
    """The chat page on a set-up tablet in Chromium: loaded, and the greeting on screen; a fresh chat each time."""
    try:
        from playwright.sync_api import sync_playwright

        from tests.browser import launch_chromium
    except ImportError as exc:
        print(f"  (no chat page measurement: {exc})")
        return
    config = stack.config
    with sync_playwright() as pw:
        try:
            browser = launch_chromium(pw)
        except FileNotFoundError as exc:
            print(f"  (no chat page measurement: {exc})")
            return
        try:
            page = browser.new_page(viewport={"width": 800, "height": 1280}, locale="en-GB")
            page.goto(f"{config.rasa_url}/chat/setup")  # what staff do once per tablet
            page.get_by_label("Home code").fill("bench-home")
            page.get_by_label("Setup code").fill(config.secrets["TABLET_SETUP_CODE"])
            page.get_by_role("button", name="Save").click()
            page.get_by_role("status").wait_for()
            load, greeting, size = [], [], []
            for _ in range(loads):
                started = time.perf_counter()
                page.goto(f"{config.rasa_url}/chat/")
                page.locator("#messages .msg-bot").first.wait_for(timeout=30_000)
                page.locator("#typing").wait_for(state="hidden", timeout=30_000)
                greeting.append((time.perf_counter() - started) * 1000)
                timing = page.evaluate(NAVIGATION_TIMING)
                load.append(timing["load_ms"])
                size.append(timing["transfer_bytes"])
                page.evaluate("() => sessionStorage.clear()")  # the next load starts a fresh chat
        finally:
            browser.close()
    print(
        f"  chat page on a tablet (Chromium, {loads} loads): load median {statistics.median(load):.0f} ms, "
        f"greeting on screen median {statistics.median(greeting):.0f} ms, {statistics.median(size) / 1024:.0f} KiB"
    )


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def print_memory(stack: Stack) -> None:
    for name in ("backend", "actions", "rasa"):
        print(f"  memory {name:8s} {_rss_mb(stack.pid(name)):7.0f} MB RSS")


# -- the run and its table ----------------------------------------------------------------------------


def _cell(m: Measurement | None) -> str:
    if m is None:
        return f"{'-':^26}"
    errors = sum(m.errors.values())
    flag = "!" if errors or m.unscripted else " "
    return f"{m.turns_per_second:6.1f}/s {m.p(0.5):6.0f} {m.p(0.95):6.0f}{flag}  "


def _ratio(ours: Measurement | None, theirs: Measurement | None) -> str:
    if ours is None or theirs is None or not theirs.turns or not ours.turns:
        return f"{'-':^20}"
    return f"{ours.turns_per_second / theirs.turns_per_second:7.2f}x {ours.p(0.95) / theirs.p(0.95):7.2f}x   "


def print_table(results: dict[tuple[str, str, int], Measurement], steps: list[tuple[str, int]]) -> None:
    names = [n for n in TARGET_TITLES if any(k[0] == n for k in results)]
    print()
    header = f"{'load':32s}" + "".join(f"| {TARGET_TITLES[n]:24s}" for n in names)
    ours = [n for n in names if n != "init"] if "init" in names else []
    header += "".join(f"| {'ratio ' + n + '/init':20s}" for n in ours)
    sub = f"{'':32s}" + "".join(f"| {'turns/s':>8s} {'p50 ms':>6s} {'p95 ms':>6s}   " for _ in names)
    sub += "".join(f"| {'turns/s':>8s} {'p95':>8s}   " for _ in ours)
    print(header)
    print(sub)
    print("-" * len(sub))
    for scenario, n in steps:
        row = f"{SCENARIO_TITLES[scenario] + f', {n} at once':32s}"
        row += "".join(f"| {_cell(results.get((t, scenario, n)))}" for t in names)
        row += "".join(f"| {_ratio(results.get((t, scenario, n)), results.get(('init', scenario, n)))}" for t in ours)
        print(row)
    print("(ratio: turns/s product / rasa init bot, higher is better; p95 product / rasa init bot, lower is better)")
    notes = [m for m in results.values() if m.errors or m.unscripted]
    for m in notes:
        print(
            f"! {TARGET_TITLES[m.target]}, {SCENARIO_TITLES[m.scenario]}, {m.children} at once: "
            f"errors {m.errors or 'none'}, conversations off script {m.unscripted} of {m.scripted + m.unscripted}"
        )
    print()
    for (target, scenario, n), m in results.items():
        if scenario == "conversation" and target != "init" and m.last_turn_latencies:
            last = m.last_turn_latencies
            print(
                f"{TARGET_TITLES[target]}, {n} at once: the turn ending in the backend write "
                f"p50 {m.p(0.5, last):.0f} ms, p95 {m.p(0.95, last):.0f} ms ({len(last)} turns); "
                f"complaints finished {m.scripted}, load average after {m.load_average:.1f}"
            )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="product,scaled,init", help="comma-separated: product, scaled, init")
    parser.add_argument("--loads", default="1,10,50", help="simulated children at once, comma-separated")
    parser.add_argument("--seconds", type=float, default=25.0, help="measured time per load step")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured time before each step")
    parser.add_argument("--short-load", type=int, default=50, help='children sending short "hi"s (0: none)')
    parser.add_argument("--alerts", type=int, default=10, help="alert-latency samples on one replica (0: none)")
    parser.add_argument(
        "--same-texts", action="store_true", help="every complaint in the same words (as issue 11 measured it)"
    )
    parser.add_argument("--init-dir", type=Path, help="keep (or reuse) the rasa init bot here instead of a temp folder")
    args = parser.parse_args(argv)
    args.only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = set(args.only) - set(TARGET_TITLES)
    if unknown:
        parser.error(f"--only: unknown {sorted(unknown)}; choose from {sorted(TARGET_TITLES)}")
    args.loads = [int(n) for n in args.loads.split(",") if n.strip()]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if {"product", "scaled"} & set(args.only) and not MODEL.exists():
        raise SystemExit(f"{MODEL} does not exist: run `make train` first")
    steps = [("conversation", n) for n in args.loads] + ([("short", args.short_load)] if args.short_load else [])
    print(
        f"closed loop: {args.seconds:.0f} s measured per step after {args.warmup:.0f} s warm-up; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start",
        flush=True,
    )
    started = time.perf_counter()
    results: dict[tuple[str, str, int], Measurement] = {}
    bots: dict[str, Callable[[Path], Any]] = {
        "product": lambda tmp: product_stack(tmp, args.same_texts),
        "scaled": lambda tmp: scaled_stack(tmp, args.same_texts),
        "init": lambda tmp: init_bot(tmp, args.init_dir),
    }
    for name in [n for n in TARGET_TITLES if n in args.only]:
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp, bots[name](Path(tmp)) as (target, stack):
            for scenario, n in steps:
                m = asyncio.run(closed_loop(target, scenario, n, args.warmup, args.seconds))
                results[(name, scenario, n)] = m
                print(
                    f"  {TARGET_TITLES[name]}, {SCENARIO_TITLES[scenario]}, {n} at once: "
                    f"{m.turns_per_second:.1f} turns/s, p50 {m.p(0.5):.0f} ms, p95 {m.p(0.95):.0f} ms, "
                    f"errors {sum(m.errors.values())}, load average {m.load_average:.1f}",
                    flush=True,
                )
            if name == "product" and stack is not None:
                if args.alerts:
                    measure_alerts(stack, target, args.alerts)
                measure_chat_page(stack)
                print_memory(stack)
    print_table(results, steps)
    print(f"whole benchmark: {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
