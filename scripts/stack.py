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

# Every secret make_secrets.sh writes; each may also come from the environment.
SECRET_KEYS = ("SERVICE_TOKEN", "RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN", "TABLET_SETUP_CODE", "TABLET_TOKEN_KEY")
# Without these the services refuse to start (Rasa's API token, the action server's secret).
REQUIRED_SECRETS = ("SERVICE_TOKEN", "RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN")
# The action server needs only these: the backend's service token and its own caller secret.
ACTIONS_SECRETS = frozenset({"SERVICE_TOKEN", "ACTION_SERVER_TOKEN"})
# Files and folders the services create are for this account only (children's words, secrets).
PRIVATE_UMASK = 0o077

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


def rasa_auth_token(env: dict[str, str] | None = None) -> str:
    """Rasa's HTTP API token for our scripts: the environment first, then var/secrets.env."""
    env = dict(os.environ) if env is None else env
    return env.get("RASA_AUTH_TOKEN") or read_env_file(ROOT / "var/secrets.env").get("RASA_AUTH_TOKEN", "")


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
    data_dir: Path = ROOT / "var"  # created 700; what an older version left there is tightened
    secrets: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None  # None: services print to this terminal
    # Several Rasa replicas share conversations: a PostgreSQL tracker store (a whole
    # postgresql:// URL) and Redis locks (the key prefix, letters and digits). None: one server.
    tracker_url: str | None = None
    redis_lock_prefix: str | None = None

    @classmethod
    def from_env(cls) -> StackConfig:
        env = os.environ
        secrets = read_env_file(ROOT / "var/secrets.env")
        secrets.update({k: env[k] for k in SECRET_KEYS if k in env})
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
        # The action server listens on loopback only (bot/action_server.py), whatever `host` is.
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def backend_url(self) -> str:
        return self.url(self.backend_port)


@dataclass(frozen=True)
class Program:
    """One service: how to start it, its whole environment, and the URL that answers 200 once it is ready."""

    name: str
    args: list[str]
    env: dict[str, str]
    health_url: str
    start_seconds: int = 2  # up this long counts as started; a crash sooner is retried with back-off


class Stack:
    """The three services as plain child processes (the fixtures that stop and start one service use this)."""

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
            # The retention job purges the tracker store this stack's Rasa writes.
            "RASA_TRACKER_URL": c.tracker_url or f"sqlite:///{c.tracker_db}",
        }

    def actions_env(self) -> dict[str, str]:
        c = self.config
        env = {k: v for k, v in self._base_env().items() if k not in SECRET_KEYS or k in ACTIONS_SECRETS}
        env.pop("SANIC_HOST", None)  # bot/action_server.py binds to 127.0.0.1 and reads no host
        return {
            **env,
            "BACKEND_URL": c.backend_url,
            "OUTBOX_DIR": c.outbox_dir,
        }

    def rasa_env(self) -> dict[str, str]:
        c = self.config
        return {
            **self._base_env(),
            "ACTION_SERVER_URL": f"{c.actions_url}/webhook",
            # For the actions this process runs itself while the action server is down (bot/action_fallback.py).
            "BACKEND_URL": c.backend_url,
            "OUTBOX_DIR": c.outbox_dir,
            **self._tracker_and_lock_env(),
        }

    def _tracker_and_lock_env(self) -> dict[str, str]:
        """bot/endpoints.yml's settings: SQLite and in-memory locks, or PostgreSQL and Redis locks."""
        c = self.config
        env = {"RASA_TRACKER_DIALECT": "sqlite", "RASA_TRACKER_DB": c.tracker_db, "RASA_TRACKER_HOST": ""}
        if c.tracker_url:
            env.update(RASA_TRACKER_DIALECT="postgresql", RASA_TRACKER_HOST=c.tracker_url)
        if c.redis_lock_prefix:
            env.update(RASA_LOCK_STORE="bot.lock_store.ReleaseSafeRedisLockStore", RASA_LOCK_PREFIX=c.redis_lock_prefix)
        return env

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
        os.umask(PRIVATE_UMASK)
        subprocess.run([str(BACKEND_PY), "-m", "backend", "migrate"], cwd=ROOT, env=self.backend_env(), check=True)

    def start(self, timeout: float = 240.0) -> None:
        c = self.config
        self._check_secrets()
        os.umask(PRIVATE_UMASK)  # before anything is created or spawned; the services inherit it
        make_private_dir(c.data_dir)
        self.migrate()
        for program in self.programs():
            self._spawn(program.name, program.args, program.env)
        self.wait_ready(timeout)

    def _check_secrets(self) -> None:
        missing = [key for key in REQUIRED_SECRETS if not self.config.secrets.get(key)]
        if missing:
            raise RuntimeError(f"missing secrets {', '.join(missing)}: run `make setup` (adds them to var/secrets.env)")

    def programs(self) -> list[Program]:
        """The three services in start order; `make run` hands the same list to supervisord."""
        c = self.config
        return [
            Program("backend", self.backend_args(), self.backend_env(), f"{c.backend_url}/health"),
            Program("actions", self.actions_args(), self.actions_env(), f"{c.actions_url}/health"),
            Program("rasa", self.rasa_args(), self.rasa_env(), f"{c.rasa_url}/", start_seconds=10),
        ]

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        for program in self.programs():
            self._wait_ready(program.name, program.health_url, deadline)

    def backend_args(self) -> list[str]:
        return [str(BACKEND_PY), "-m", "backend", "serve"]

    def actions_args(self) -> list[str]:
        return [str(RASA_PY), "-m", "bot.action_server", "--port", str(self.config.actions_port)]

    def rasa_args(self) -> list[str]:
        # `rasa run --enable-api` through our entry point: the auth token comes from the
        # environment (RASA_AUTH_TOKEN), never from argv, where `ps` would show it.
        c = self.config
        return [
            str(RASA_PY), "-m", "bot.serve", "--model", c.model,
            "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
            "--interface", c.host, "--port", str(c.rasa_port),
        ]  # fmt: skip

    def _wait_ready(self, name: str, url: str, deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (our own loopback URL)
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{name} did not become ready at {url}")

    def _check_alive(self, name: str) -> None:
        proc = self.processes[name]
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} while starting")

    def pid(self, name: str) -> int:
        return self.processes[name].pid

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
        os.umask(PRIVATE_UMASK)
        self._spawn("backend", self.backend_args(), self.backend_env())
        self._wait_ready("backend", f"{self.config.backend_url}/health", time.monotonic() + timeout)

    def restart_actions(self, timeout: float = 60.0) -> None:
        os.umask(PRIVATE_UMASK)
        self._spawn("actions", self.actions_args(), self.actions_env())
        self._wait_ready("actions", f"{self.config.actions_url}/health", time.monotonic() + timeout)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_private_dir(path: Path) -> None:
    """Create `path` as 700, or tighten it and everything in it (an older version made them 755/644)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    for folder, dirs, files in os.walk(path):  # links are left alone: they may point anywhere
        for name in dirs + files:
            entry = Path(folder, name)
            if not entry.is_symlink():
                entry.chmod(0o700 if entry.is_dir() else 0o600)


def post_json(url: str, payload: object, timeout: float = 30.0) -> object:
    """Small stdlib JSON POST used by the runner's smoke check and the tests."""
    req = urllib.request.Request(  # noqa: S310
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        return json.loads(resp.read())
