"""Start and stop the three services: backend, action server, Rasa server.

Used by `make run` (scripts/run.py) and by the end-to-end test fixtures, so
what is tested is exactly what runs. Standard library only: it runs under the
system Python and starts each service from its own virtualenv.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
RASA_PY = ROOT / ".venv/rasa/bin/python"
BACKEND_PY = ROOT / ".venv/backend/bin/python"

QUIET_RASA_ENV = {
    "RASA_TELEMETRY_ENABLED": "false",  # privacy: nothing leaves the machine
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


@dataclass
class StackConfig:
    """Where each service listens and keeps its data. Defaults are `make run`'s."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    backend_port: int = 8000
    database_url: str = "sqlite+aiosqlite:///var/backend.sqlite3"
    tracker_db: str = "var/rasa_tracker.sqlite3"
    model: str = "models/current.tar.gz"
    outbox_dir: str = "var/outbox"
    secrets: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None  # None: services print to this terminal

    @classmethod
    def from_env(cls) -> StackConfig:
        env = os.environ
        secrets = read_env_file(ROOT / "var/secrets.env")
        secrets.update({k: env[k] for k in ("SERVICE_TOKEN", "RASA_AUTH_TOKEN", "TABLET_SETUP_CODE") if k in env})
        return cls(
            host=env.get("BIND_HOST", "127.0.0.1"),
            rasa_port=int(env.get("RASA_PORT", "5005")),
            actions_port=int(env.get("ACTIONS_PORT", "5055")),
            backend_port=int(env.get("BACKEND_PORT", "8000")),
            database_url=env.get("DATABASE_URL", cls.database_url),
            tracker_db=env.get("RASA_TRACKER_DB", cls.tracker_db),
            model=env.get("RASA_MODEL", cls.model),
            secrets=secrets,
        )

    @property
    def loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1")

    def url(self, port: int) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{port}"

    @property
    def rasa_url(self) -> str:
        return self.url(self.rasa_port)

    @property
    def actions_url(self) -> str:
        return self.url(self.actions_port)

    @property
    def backend_url(self) -> str:
        return self.url(self.backend_port)


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    # -- environment of each service ------------------------------------------------
    def _base_env(self) -> dict[str, str]:
        env = {**os.environ, **QUIET_RASA_ENV, **self.config.secrets, **self.config.extra_env}
        env.pop("VIRTUAL_ENV", None)
        return env

    def backend_env(self) -> dict[str, str]:
        c = self.config
        return {
            **self._base_env(),
            "DATABASE_URL": c.database_url,
            "BACKEND_HOST": c.host,
            "BACKEND_PORT": str(c.backend_port),
            "RASA_URL": c.rasa_url,
        }

    def actions_env(self) -> dict[str, str]:
        c = self.config
        return {
            **self._base_env(),
            "SANIC_HOST": c.host,
            "BACKEND_URL": c.backend_url,
            "OUTBOX_DIR": c.outbox_dir,
        }

    def rasa_env(self) -> dict[str, str]:
        c = self.config
        return {
            **self._base_env(),
            "ACTION_SERVER_URL": f"{c.actions_url}/webhook",
            "RASA_TRACKER_DIALECT": "sqlite",
            "RASA_TRACKER_DB": c.tracker_db,
        }

    # -- lifecycle ------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        out: int | IO[bytes] | None = None
        if self.config.log_dir is not None:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.config.log_dir / f"{name}.log", "ab")
            self._logs.append(out)
        # Own session: Ctrl-C reaches run.py only, which then stops each service in order.
        self.processes[name] = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    def migrate(self) -> None:
        subprocess.run([str(BACKEND_PY), "-m", "backend", "migrate"], cwd=ROOT, env=self.backend_env(), check=True)

    def start(self, timeout: float = 240.0) -> None:
        c = self.config
        Path(ROOT / "var").mkdir(exist_ok=True)
        self.migrate()
        self._spawn("backend", [str(BACKEND_PY), "-m", "backend", "serve"], self.backend_env())
        self._spawn(
            "actions",
            [str(RASA_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(c.actions_port)],
            self.actions_env(),
        )
        rasa_args = [
            str(RASA_PY), "-m", "rasa", "run", "--enable-api", "--model", c.model,
            "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
            "--interface", c.host, "--port", str(c.rasa_port),
        ]  # fmt: skip
        if not c.loopback:
            # Off loopback the HTTP API (trackers = children's words) needs a token.
            rasa_args += ["--auth-token", c.secrets["RASA_AUTH_TOKEN"]]
        self._spawn("rasa", rasa_args, self.rasa_env())
        deadline = time.monotonic() + timeout
        self._wait_ready("backend", f"{c.backend_url}/health", deadline)
        self._wait_ready("actions", f"{c.actions_url}/health", deadline)
        self._wait_ready("rasa", f"{c.rasa_url}/", deadline)

    def _wait_ready(self, name: str, url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            proc = self.processes[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with code {proc.returncode} while starting")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (our own loopback URL)
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{name} did not become ready at {url}")

    def stop(self, name: str | None = None) -> None:
        names = [name] if name else ["rasa", "actions", "backend"]
        for n in names:
            proc = self.processes.pop(n, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if name is None:
            for log in self._logs:
                log.close()
            self._logs.clear()

    def restart_backend(self, timeout: float = 60.0) -> None:
        self._spawn("backend", [str(BACKEND_PY), "-m", "backend", "serve"], self.backend_env())
        self._wait_ready("backend", f"{self.config.backend_url}/health", time.monotonic() + timeout)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def post_json(url: str, payload: object, timeout: float = 30.0) -> object:
    """Small stdlib JSON POST used by the runner's smoke check and the tests."""
    req = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        return json.loads(resp.read())
