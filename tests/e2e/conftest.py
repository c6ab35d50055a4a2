"""The whole product as real processes: backend, action server and Rasa with the trained model.

Started once per test session on free loopback ports, with its own databases in a
temporary folder, under supervisord exactly as `make run` starts them (scripts/supervision.py).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scripts.scaled import ScaledStack
from scripts.stack import ROOT, StackConfig
from scripts.supervision import SupervisedStack
from tests.helpers import free_port, sqlite_rows

# E2E_STACK=scaled: run against the scaled deployment; tests marked `single_stack` read the
# one-machine stack's own files or stop its named services, and are skipped there.
SCALED = os.environ.get("E2E_STACK") == "scaled"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SCALED:
        skip = pytest.mark.skip(reason="reads the one-machine stack's files or stops its named services")
        for item in items:
            if "single_stack" in item.keywords:
                item.add_marker(skip)


def postgres_rows(url: str, sql: str, *args: Any) -> list[dict[str, Any]]:
    """The test's query on PostgreSQL through psql (each ? becomes a quoted literal; test values only)."""
    for arg in args:
        literal = "NULL" if arg is None else "'" + str(arg).replace("'", "''") + "'"
        sql = sql.replace("?", literal, 1)
    out = subprocess.run(
        ["psql", url, "-qAt", "-c", f"SELECT row_to_json(r) FROM ({sql}) AS r"],  # noqa: S608 (the tests' own SQL)
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    # A JSON column reads as text, as it does from SQLite (the tests json.loads it).
    return [{k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in row.items()} for row in rows]


def texts(replies: list[dict[str, Any]]) -> str:
    """The bot's replies as one text, as a child would read them."""
    return "\n".join(r.get("text", "") for r in replies)


@dataclass
class RunningStack:
    stack: SupervisedStack
    rasa_url: str
    backend_url: str
    database_path: Path
    tracker_path: Path
    service_token: str
    outbox_dir: Path
    rasa_token: str
    data_dir: Path
    postgres_url: str | None = None  # the scaled stack's backend database (E2E_STACK=scaled)
    _tablets: dict[str, urllib.request.OpenerDirector] = field(default_factory=dict, repr=False)

    def rasa_api(self, path: str) -> str:
        """URL of Rasa's HTTP API with its auth token (Rasa 3.6 takes it as `?token=` only)."""
        return f"{self.rasa_url}{path}?token={self.rasa_token}"

    def rows(self, sql: str, *args: Any) -> list[Any]:
        """Rows by column name, from the backend's SQLite file or (scaled) its PostgreSQL database."""
        if self.postgres_url is None:
            return sqlite_rows(self.database_path, sql, *args)
        return postgres_rows(self.postgres_url, sql, *args)

    def say(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One chat turn through the REST channel, which needs Rasa's token (a header keeps it out of URLs)."""
        body = {"sender": sender, "message": message}
        if metadata:
            body["metadata"] = metadata
        req = urllib.request.Request(  # noqa: S310 (loopback test server)
            f"{self.rasa_url}/webhooks/rest/webhook",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.rasa_token}"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return json.loads(resp.read())

    def submit_complaint(self, what_happened: str) -> tuple[str, str]:
        """An anonymous complaint sent straight to the backend: its (reference, access code)."""
        body = {
            "kind": "complaint",
            "what_happened": what_happened,
            "desired_outcome": "Fix it",
            "anonymous": True,
            "home": "e2e-home",
        }
        req = urllib.request.Request(  # noqa: S310 (loopback test server)
            f"{self.backend_url}/api/v1/submissions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.service_token}"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            receipt = json.loads(resp.read())
        return receipt["reference"], receipt["access_code"]

    def answer_until_summary(self, sender: str, replies: list[dict[str, Any]], answers: dict[str, str]) -> str:
        """Answer whatever the feedback form asks (the first answer whose key is in the question)
        until it reads the summary back; returns the summary. An unexpected question fails."""
        for _ in range(8):
            text = texts(replies)
            if "Shall I send it?" in text:
                return text
            answer = next((a for key, a in answers.items() if key in text), None)
            assert answer is not None, f"unexpected question: {text}"
            replies = self.say(sender, answer)
        raise AssertionError(f"no summary after 8 answers: {texts(replies)}")

    def tablet(self, home: str = "e2e-home") -> urllib.request.OpenerDirector:
        """One set-up tablet per home for the whole session (see new_tablet)."""
        if home not in self._tablets:
            self._tablets[home] = self.new_tablet(home)
        return self._tablets[home]

    def new_tablet(self, home: str = "e2e-home") -> urllib.request.OpenerDirector:
        """A tablet set up as staff do (POST /chat/setup with the code): it keeps its token cookie."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        body = {"home": home, "setup_code": self.stack.config.secrets["TABLET_SETUP_CODE"]}
        req = urllib.request.Request(  # noqa: S310 (loopback test server)
            f"{self.rasa_url}/chat/setup", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        opener.open(req, timeout=30).close()
        return opener

    @staticmethod
    def new_sender() -> str:
        return str(uuid.uuid4())


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    model = ROOT / "models/current.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run `make train` (make test does)")
    tmp = tmp_path_factory.mktemp("stack")
    data = tmp / "var"  # created by scripts/stack.py, as var/ is by `make run`
    token = secrets.token_urlsafe(32)
    rasa_token = secrets.token_urlsafe(32)
    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        backend_port=free_port(),
        database_url=f"sqlite+aiosqlite:///{data / 'backend.sqlite3'}",
        tracker_db=str(data / "tracker.sqlite3"),
        model=str(model),
        outbox_dir=str(data / "outbox"),
        data_dir=data,
        secrets={
            "SERVICE_TOKEN": token,
            "RASA_AUTH_TOKEN": rasa_token,
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
            "TABLET_SETUP_CODE": "246810",
            "TABLET_TOKEN_KEY": secrets.token_urlsafe(32),
        },
        extra_env={"HOME_CODE": "e2e-home"},
        log_dir=tmp / "logs",
    )
    running: SupervisedStack | ScaledStack = SupervisedStack(config)  # as `make run` starts it
    postgres_url = None
    if SCALED:
        # The same tests against 2 replicas of each service behind nginx (`make test-e2e-scaled`).
        name = f"e2e{secrets.token_hex(3)}"
        running = ScaledStack.on_ports(config, [free_port() for _ in range(6)], name, fresh=True)
        postgres_url = running.config.database_url.replace("+asyncpg", "")
    try:
        running.start()
    except Exception:
        for log in sorted((tmp / "logs").glob("*.log")):
            print(f"---- {log.name} ----\n{log.read_text(errors='replace')[-4000:]}")
        running.stop()
        raise
    yield RunningStack(
        stack=running,
        rasa_url=config.rasa_url,
        backend_url=config.backend_url,
        database_path=data / "backend.sqlite3",
        tracker_path=data / "tracker.sqlite3",
        service_token=token,
        outbox_dir=data / "outbox",
        rasa_token=rasa_token,
        data_dir=data,
        postgres_url=postgres_url,
    )
    running.stop()
    if isinstance(running, ScaledStack):
        running.drop_databases()
