"""schemathesis against /api/openapi.json of a running backend: no 5xx, every answer as documented.

The backend runs as its own process (`python -m backend serve`) on a free port with a fresh
SQLite file, seeded through the real command line with a staff account; the service token
and that account are given to schemathesis per security scheme, so the authenticated paths
are exercised too. Bounded: MAX_EXAMPLES generated cases per operation and phase.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis import Case

from backend.openapi import build_spec
from tests.backend.conftest import SERVICE_TOKEN, STAFF_PASSWORD
from tests.helpers import free_port, wait_for

ROOT = Path(__file__).resolve().parents[3]
MAX_EXAMPLES = 25
STAFF_USER = "fuzz-officer"


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:  # noqa: S310 (our own loopback server)
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> None:
    """`python -m backend ...` as an operator runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=ROOT,
        env=env,
        input=stdin + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def backend_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'backend.sqlite3'}",
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "BACKEND_HOST": "127.0.0.1",
        "BACKEND_PORT": str(port),
        "REMINDER_TIME": "off",
        "RETENTION_TIME": "off",
        "RASA_TRACKER_URL": f"sqlite:///{tmp / 'no-tracker.sqlite3'}",
    }
    _cli(env, "migrate")
    _cli(env, "users", "create", "--role", "complaints_officer", "--username", STAFF_USER, stdin=STAFF_PASSWORD)
    log = open(tmp / "backend.log", "wb")  # closed below, after the process
    proc = subprocess.Popen([sys.executable, "-m", "backend", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: proc.poll() is not None or _healthy(url), timeout=60)
        assert proc.poll() is None, (tmp / "backend.log").read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    # A traceback in the server's log is a failure even if every answer looked fine.
    assert "Traceback" not in (tmp / "backend.log").read_text()


CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES},
        "auth": {
            "openapi": {
                "serviceToken": {"bearer": SERVICE_TOKEN},
                "staff": {"username": STAFF_USER, "password": STAFF_PASSWORD},
            }
        },
        # Its probes send wrong passwords, which the login throttle rightly answers with 429 after
        # a few; that every route refuses a missing or wrong credential is proved for each route
        # and role by tests/backend/test_authorization_matrix.py instead.
        "checks": {
            "ignored_auth": {"enabled": False},
            # An invalid body that is also too large is refused for its size first (413), which
            # is a rejection as good as a 422; schemathesis' default list does not name 413.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
            },
        },
    }
)
# The document is built in-process so pytest can collect one test per operation before the server
# runs (schemathesis' lazy fixture loader does not work with pytest 9); the first test proves the
# running server serves exactly this document.
schema = schemathesis.openapi.from_dict(build_spec(), config=CONFIG)


def test_the_running_backend_serves_the_document_under_test(backend_url: str) -> None:
    with urllib.request.urlopen(f"{backend_url}/api/openapi.json", timeout=10) as resp:  # noqa: S310
        assert json.load(resp) == build_spec()


@schema.parametrize()
# The same cases every run (derandomize: a run that passes once passes again, and a failure
# reproduces); no example database in the work tree (.hypothesis/).
@hypothesis.settings(database=None, deadline=None, derandomize=True)
def test_every_api_answer_is_documented_and_none_is_a_server_error(case: Case, backend_url: str) -> None:
    case.call_and_validate(base_url=backend_url)
