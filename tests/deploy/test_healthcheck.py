"""deploy/healthcheck.py against stand-in services: up, down (nothing listening) and unwell (503)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.deploy.units import ROOT

HEALTHCHECK = ROOT / "deploy/healthcheck.py"


def serve(answers: dict[str, tuple[int, bytes]]) -> ThreadingHTTPServer:
    """A stand-in that answers each path as told (404 otherwise), on a free loopback port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answers.get(self.path, (404, b"not here"))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def services() -> Iterator[dict[str, str]]:
    ok = json.dumps({"status": "ok", "database": "ok"}).encode()
    unwell = json.dumps({"status": "error", "database": "unreachable"}).encode()
    backend = serve({"/health": (200, ok)})
    actions = serve({"/health": (200, b'{"status": "ok"}')})
    rasa = serve({"/": (200, b"Hello from Rasa: 3.6.21")})
    sick = serve({"/health": (503, unwell)})
    # Bound but not listening: a connection is refused at once, like a stopped service.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    urls = {
        name: f"http://127.0.0.1:{server.server_address[1]}"
        for name, server in {"backend": backend, "actions": actions, "rasa": rasa, "sick": sick}.items()
    }
    urls["closed"] = f"http://127.0.0.1:{closed.getsockname()[1]}"
    yield urls
    for server in (backend, actions, rasa, sick):
        server.shutdown()
        server.server_close()
    closed.close()


def check(*args: str) -> subprocess.CompletedProcess[str]:
    # The system Python runs it in production: -S keeps every installed package out of reach.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(HEALTHCHECK), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_all_up(services: dict[str, str]) -> None:
    done = check("--backend", services["backend"], "--actions", services["actions"], "--rasa", services["rasa"])
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [["OK", "backend"], ["OK", "actions"], ["OK", "rasa"]]
    assert f"{services['rasa']}/ " in lines[2] and "Hello from Rasa" in lines[2]
    assert f"{services['backend']}/health" in lines[0] and "database: ok" in lines[0]


def test_a_service_that_is_down_fails_the_check(services: dict[str, str]) -> None:
    done = check("--backend", services["backend"], "--actions", services["closed"], "--rasa", services["rasa"])
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[1].startswith("FAIL actions") and "not reachable" in lines[1]
    assert lines[0].startswith("OK") and lines[2].startswith("OK")  # the others are still reported


def test_an_unwell_backend_says_why(services: dict[str, str]) -> None:
    done = check("--backend", services["sick"], "--actions", services["actions"], "--rasa", services["rasa"])
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].startswith("FAIL backend") and "HTTP 503" in done.stdout
    assert "database: unreachable" in done.stdout


def test_every_replica_is_checked(services: dict[str, str]) -> None:
    done = check(
        "--backend", services["backend"], "--actions", services["actions"],
        "--rasa", services["rasa"], "--rasa", services["closed"],
    )  # fmt: skip
    assert done.returncode == 1
    rasa_lines = [line for line in done.stdout.splitlines() if " rasa " in line]
    assert [line.split()[0] for line in rasa_lines] == ["OK", "FAIL"]
