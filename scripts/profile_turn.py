"""Where the milliseconds of a chat turn go: the product under load, each of its services profiled.

Starts the three services as plain processes (scripts/stack.py), each through this module's
`serve` wrapper, which runs the service's own module unchanged and adds:

- wall-clock timers around a few named functions (tracker store load and save, the NLU pipeline,
  every graph component, the policies, the action server call and the wait for the conversation
  lock; the action server's backend calls; the backend's requests, its commits and argon2), because
  cProfile on an event loop counts only the time a coroutine runs, never what it awaits;
- cProfile of the main thread, switched on only while a measured load runs (SIGUSR1 on, SIGUSR2
  off and write), so model loading and start-up stay out of the numbers.

For each N it plays N whole complaints at once (scripts/benchmark.py's closed loop) twice: once
with the timers only (what the numbers would be), once with cProfile as well (where they come
from; profiling slows Python code, so these times are inflated), and prints both per turn.

    .venv/backend/bin/python -m scripts.profile_turn [--loads 1,10] [--seconds 20] [--top 20] [--keep DIR]
        [--same-texts] [--timers-only] [--try schema,argon2,two-threads]

Top-level imports are the standard library only: the wrapper runs in both virtualenvs.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import inspect
import json
import os
import pstats
import runpy
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (module, attribute path, label): a label ending in ":" is completed per call (see _call_label).
TIMED: dict[str, list[tuple[str, str, str]]] = {
    "rasa": [
        ("rasa.core.agent", "Agent.handle_message", "turn in Rasa (with the wait for the conversation lock)"),
        ("rasa.core.processor", "MessageProcessor.handle_message", "turn in Rasa (lock held)"),
        ("rasa.core.tracker_store", "SQLTrackerStore.retrieve", "tracker store: load"),
        ("rasa.core.tracker_store", "SQLTrackerStore.save", "tracker store: save"),
        ("rasa.core.processor", "MessageProcessor.parse_message", "NLU: whole pipeline"),
        ("rasa.core.processor", "MessageProcessor._predict_next_with_tracker", "policies: one prediction"),
        ("rasa.engine.graph", "GraphNode.__call__", "graph node:"),
        ("rasa.core.actions.action", "RemoteAction.run", "action server: one action, round trip"),
        ("rasa.core.actions.action", "RemoteAction._action_call_format", "action server: building the request"),
        ("rasa.utils.endpoints", "EndpointConfig.request", "action server: the HTTP call"),
        ("rasa.core.actions.action", "RemoteAction._validate_action_result", "action server: answer checked (schema)"),
    ],
    "actions": [
        ("rasa_sdk.executor", "ActionExecutor.run", "action server: one action, inside"),
        ("actions.backend_client", "BackendClient._post", "action server -> backend: one call"),
    ],
    "backend": [
        ("aiohttp.web_app", "Application._handle", "backend request:"),
        ("backend.codes", "hash_access_code", "backend: argon2 hash of an access code"),
        ("sqlalchemy.ext.asyncio", "AsyncSession.commit", "backend: database commit"),
    ],
}

# cProfile groups: (label, file path fragment, function name). Cumulative time of each entry point.
GROUPS: dict[str, list[tuple[str, str, str]]] = {
    "rasa": [
        ("whole turn in Rasa (on the event loop)", "rasa/core/processor.py", "handle_message"),
        ("tracker store load (query + events)", "rasa/core/tracker_store.py", "_retrieve"),
        ("  of which: tracker rebuilt from events", "rasa/shared/core/trackers.py", "from_dict"),
        ("tracker store save", "rasa/core/tracker_store.py", "save"),
        ("  of which: redaction", "bot/tracker_store.py", "_additional_events"),
        ("NLU pipeline", "rasa/core/processor.py", "_parse_message_with_graph"),
        ("  spaCy (Rasa's SpacyNLP)", "rasa/nlu/utils/spacy_utils.py", "process"),
        ("  tokenizer", "rasa/nlu/tokenizers/tokenizer.py", "process"),
        ("  intent classifier", "bot/intent_classifier.py", "process"),
        ("  safeguarding detector", "bot/safeguarding/component.py", "process"),
        ("    detector: normalise + spaCy parse", "bot/safeguarding/detector.py", "_parse"),
        ("    detector: patterns", "bot/safeguarding/detector.py", "_pattern_hits"),
        ("    detector: classifiers (TF-IDF + MiniLM)", "bot/safeguarding/classifier.py", "predict_many"),
        ("      MiniLM encoder", "bot/safeguarding/encoder.py", "probabilities"),
        ("    earlier messages of the conversation", "bot/safeguarding/component.py", "_earlier_messages"),
        ("  reference intent", "bot/reference_intent.py", "process"),
        ("policies", "rasa/core/processor.py", "_predict_next_with_tracker"),
        ("  RulePolicy", "rasa/core/policies/rule_policy.py", "predict_action_probabilities"),
        ("  MemoizationPolicy", "rasa/core/policies/memoization.py", "predict_action_probabilities"),
        ("  SafeguardingPolicy", "bot/policies/safeguarding_policy.py", "predict_action_probabilities"),
        ("action server request built (tracker + domain)", "rasa/core/actions/action.py", "_action_call_format"),
        ("  domain as a dict", "rasa/shared/core/domain.py", "as_dict"),
        ("JSON encode (all)", "json/__init__.py", "dumps"),
        ("JSON decode (all)", "json/__init__.py", "loads"),
    ],
    "actions": [
        ("one action (on the event loop)", "rasa_sdk/executor.py", "run"),
        ("request body parsed", "rasa_sdk/endpoint.py", "webhook"),
        ("JSON decode (all)", "json/__init__.py", "loads"),
        ("tracker built from the request", "rasa_sdk/interfaces.py", "from_dict"),
        ("backend calls (on the event loop)", "actions/backend_client.py", "_post"),
    ],
    "backend": [
        ("requests (on the event loop)", "aiohttp/web_app.py", "_handle"),
        ("submission stored", "backend/submissions.py", "create_submission"),
        ("database commits", "sqlalchemy/ext/asyncio/session.py", "commit"),
    ],
}


# -- what-if experiments: proposed fixes in files this script does not change, tried in the running services


def _try_schema() -> None:
    """Rasa's action answers checked with the schema compiled once (bot/serve.py installs it already)."""
    from bot import action_answer_check

    action_answer_check.install()


def _try_argon2() -> None:
    """backend/codes.py could do this: OWASP's minimum argon2id settings (19 MiB, 2 passes, 1 lane)
    for access codes instead of argon2-cffi's password defaults (64 MiB, 3 passes, 4 lanes)."""
    from argon2 import PasswordHasher

    import backend.codes

    backend.codes._hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def _try_two_threads() -> None:
    """The other way round, for comparison: the detector's encoder reading with two threads, as before."""
    import bot.safeguarding.encoder

    bot.safeguarding.encoder.READ_THREADS = 2


EXPERIMENTS: dict[str, tuple[str, Callable[[], None]]] = {
    "schema": ("rasa", _try_schema),
    "argon2": ("backend", _try_argon2),
    "two-threads": ("rasa", _try_two_threads),
}
TRY_ENV = "PROFILE_TURN_TRY"


# -- inside each service: the wrapper ----------------------------------------------------------------


class Timers:
    """Wall-clock durations per label; callable from any thread (argon2 runs in one)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.on = False

    def add(self, label: str, seconds: float) -> None:
        if self.on:
            with self.lock:
                self.samples.setdefault(label, []).append(seconds * 1000)

    def take(self) -> dict[str, list[float]]:
        with self.lock:
            samples, self.samples = self.samples, {}
        return samples


def _call_label(label: str, args: tuple[Any, ...]) -> str:
    if not label.endswith(":"):
        return label
    me = args[0] if args else None
    if label == "graph node:":
        node = str(getattr(me, "_node_name", "?")).removeprefix("run_")
        return f"graph node: {node.rsplit('.', 1)[-1]}"
    request = args[1] if len(args) > 1 else None
    return f"{label} {getattr(request, 'method', '?')} {getattr(request, 'path', '?')}"


def _timed(fn: Callable[..., Any], label: str, timers: Timers) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                timers.add(_call_label(label, args), time.perf_counter() - t0)

        return timed_async

    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timers.add(_call_label(label, args), time.perf_counter() - t0)

    return timed


def install_timers(service: str, timers: Timers) -> None:
    """Before the service's module runs, so a `from x import f` in it already gets the timed f."""
    for module_name, path, label in TIMED.get(service, []):
        owner: Any = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        setattr(owner, name, _timed(getattr(owner, name), label, timers))


def serve(service: str, out: Path, argv: list[str]) -> None:
    """Run `python -m MODULE ARGS` (argv: ["-m", MODULE, *ARGS]) with timers and a switchable cProfile."""
    if len(argv) < 2 or argv[0] != "-m":
        raise SystemExit("usage: python -m scripts.profile_turn serve NAME OUT -m MODULE [ARGS...]")
    module, args = argv[1], argv[2:]
    for name in filter(None, os.environ.get(TRY_ENV, "").split(",")):
        owner, apply = EXPERIMENTS[name]
        if owner == service:
            apply()  # before the timers, so they time the changed function
    timers = Timers()
    install_timers(service, timers)
    state: dict[str, Any] = {"profile": None, "phase": ""}

    def start(_sig: int, _frame: Any) -> None:
        phase = json.loads((out / "phase.json").read_text())
        state["phase"] = phase["name"]
        timers.take()
        timers.on = True
        if phase["cprofile"]:
            state["profile"] = cProfile.Profile()
            state["profile"].enable()

    def stop(_sig: int, _frame: Any) -> None:
        profile: cProfile.Profile | None = state["profile"]
        if profile is not None:
            profile.disable()
            profile.dump_stats(str(out / f"{service}-{state['phase']}.prof"))
            state["profile"] = None
        timers.on = False
        (out / f"{service}-{state['phase']}.json").write_text(json.dumps(timers.take()))
        (out / f"{service}-{state['phase']}.done").touch()  # written last: the driver waits for it

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


# -- the driver ----------------------------------------------------------------------------------------

SERVICES = ("rasa", "actions", "backend")


def _profiled_stack_class() -> type:
    from scripts.stack import Stack

    class ProfiledStack(Stack):
        """The three services, each started through `serve` above (same modules, same arguments)."""

        out: Path

        def _wrap(self, service: str, args: list[str]) -> list[str]:
            return [args[0], "-m", "scripts.profile_turn", "serve", service, str(self.out), *args[1:]]

        def backend_args(self) -> list[str]:
            return self._wrap("backend", super().backend_args())

        def actions_args(self) -> list[str]:
            return self._wrap("actions", super().actions_args())

        def rasa_args(self) -> list[str]:
            return self._wrap("rasa", super().rasa_args())

    return ProfiledStack


def _signal_all(stack: Any, sig: int) -> None:
    for service in SERVICES:
        os.kill(stack.pid(service), sig)


def _wait_for_files(paths: list[Path], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if time.monotonic() > deadline:
            missing = [str(p) for p in paths if not p.exists()]
            raise TimeoutError(f"the services did not write {missing}")
        time.sleep(0.1)  # files written by other processes: nothing to await


def _phase(stack: Any, out: Path, name: str, cprofile: bool, run: Callable[[], Any]) -> Any:
    (out / "phase.json").write_text(json.dumps({"name": name, "cprofile": cprofile}))
    _signal_all(stack, signal.SIGUSR1)
    try:
        return run()
    finally:
        _signal_all(stack, signal.SIGUSR2)
        _wait_for_files([out / f"{s}-{name}.done" for s in SERVICES])


def print_timers(out: Path, phase: str, turns: int) -> None:
    print(f"  wall clock, per turn ({turns} turns): {'ms/turn':>8s} {'calls/turn':>10s} {'p50 ms':>7s} {'p95 ms':>7s}")
    from scripts.benchmark import percentile

    for service in SERVICES:
        samples: dict[str, list[float]] = json.loads((out / f"{service}-{phase}.json").read_text())
        for label, values in sorted(samples.items(), key=lambda kv: -sum(kv[1])):
            if sum(values) / turns < 0.05:
                continue
            print(
                f"    {service:8s} {label[:58]:58s} {sum(values) / turns:8.1f} {len(values) / turns:10.2f} "
                f"{percentile(values, 0.5):7.1f} {percentile(values, 0.95):7.1f}"
            )


def _cumulative(stats: pstats.Stats, fragment: str, function: str) -> float:
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if name == function and fragment in filename:
            total += ct
    return total


def print_profile(out: Path, phase: str, turns: int, top: int) -> None:
    for service in SERVICES:
        path = out / f"{service}-{phase}.prof"
        if not path.exists():
            print(f"  {service}: no profile written")
            continue
        stats = pstats.Stats(str(path))
        print(f"  cProfile {service} (main thread, on-CPU, ms per turn; inflated by profiling):")
        for label, fragment, function in GROUPS[service]:
            ms = _cumulative(stats, fragment, function) * 1000 / turns
            print(f"    {label:58s} {ms:8.1f}")
        print(f"  {service}: top {top} functions by own time (ms per turn, calls per turn, where)")
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
        for (filename, line, name), (_cc, nc, tt, _ct, _callers) in rows:
            short = "/".join(Path(filename).parts[-3:])
            print(f"    {tt * 1000 / turns:8.2f} {nc / turns:8.1f}  {name} ({short}:{line})")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", default="1,10", help="complaints at once, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per phase")
    parser.add_argument("--warmup", type=float, default=8.0, help="unmeasured load before the first phase")
    parser.add_argument("--top", type=int, default=20, help="functions listed per service")
    parser.add_argument(
        "--try",
        dest="try_",
        default="",
        help=f"what-if: proposed fixes applied in the running services, comma-separated: {', '.join(EXPERIMENTS)}",
    )
    parser.add_argument("--timers-only", action="store_true", help="skip the cProfile phases")
    parser.add_argument("--same-texts", action="store_true", help="every complaint in the same words")
    parser.add_argument("--keep", type=Path, help="keep the profiles (.prof, readable with pstats/snakeviz) here")
    args = parser.parse_args(argv)
    args.loads = [int(n) for n in args.loads.split(",") if n.strip()]
    args.try_ = [t.strip() for t in args.try_.split(",") if t.strip()]
    unknown = set(args.try_) - set(EXPERIMENTS)
    if unknown:
        parser.error(f"--try: unknown {sorted(unknown)}; choose from {sorted(EXPERIMENTS)}")
    return args


def main(argv: list[str]) -> None:
    import asyncio

    from scripts.benchmark import MODEL, closed_loop, product_config, product_target

    args = parse_args(argv)
    if not MODEL.exists():
        raise SystemExit(f"{MODEL} does not exist: run `make train` first")
    with tempfile.TemporaryDirectory(prefix="profile-turn-") as tmp:
        out = args.keep or Path(tmp) / "profiles"
        out.mkdir(parents=True, exist_ok=True)
        config = replace(product_config(Path(tmp)), extra_env={TRY_ENV: ",".join(args.try_)})
        stack = _profiled_stack_class()(config)
        stack.out = out
        stack.start()
        try:
            target = product_target("product", config, args.same_texts)
            tried = f"; trying {', '.join(args.try_)}" if args.try_ else ""
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores{tried}", flush=True)
            asyncio.run(closed_loop(target, "conversation", max(args.loads), 0, args.warmup))
            for n in args.loads:
                for cprofile in (False,) if args.timers_only else (False, True):
                    name = f"{n}-{'profile' if cprofile else 'timers'}"
                    m = _phase(
                        stack, out, name, cprofile,
                        lambda n=n: asyncio.run(closed_loop(target, "conversation", n, 0, args.seconds)),
                    )  # fmt: skip
                    turns = len(m.turns) + m.late
                    print(
                        f"\n== {n} complaints at once, {'timers and cProfile' if cprofile else 'timers only'}: "
                        f"{m.turns_per_second:.1f} turns/s, p50 {m.p(0.5):.0f} ms, p95 {m.p(0.95):.0f} ms, "
                        f"errors {sum(m.errors.values())}, load average {m.load_average:.1f}",
                        flush=True,
                    )
                    print_timers(out, name, turns)
                    if cprofile:
                        print_profile(out, name, turns, args.top)
        finally:
            stack.stop()
        if args.keep:
            print(f"\nprofiles kept in {out}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2], Path(sys.argv[3]), sys.argv[4:])
    else:
        main(sys.argv[1:])
