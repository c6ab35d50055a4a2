"""deploy/nginx/feedback-bot.conf in a real nginx, in front of stand-in services.

Only the listen addresses, the upstream servers, the certificate and the log folder are
changed. The Rasa upstream gets a dead replica first (a bound port that does not listen),
so every chat request either reaches the live one directly or is passed on to it.
"""

from __future__ import annotations

import http.client
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy.test_nginx import SITE
from tests.helpers import free_port, wait_for

HOST = "feedback.example.org"


@dataclass
class Stub:
    """A service stand-in that answers 200 with its name and remembers what it was asked."""

    name: str
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> int:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                stub.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                body = stub.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.server.server_address[1]

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Proxy:
    https_port: int
    http_port: int
    rasa: Stub
    backend: Stub

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's own throw-away certificate
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=context, timeout=20)
        body = b"{}" if method == "POST" else None
        conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp


def _site(tmp_path: Path, http_port: int, https_port: int, rasa: list[str], backend: list[str]) -> str:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    lines = []
    upstream = None
    for line in SITE.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("upstream "):
            upstream = stripped.split()[1]
        if stripped.startswith("listen [::]"):
            continue  # the test machine may have no IPv6
        if stripped == "listen 80;":
            line = f"    listen 127.0.0.1:{http_port};"
        elif stripped.startswith("listen 443"):
            line = line.replace("listen 443", f"listen 127.0.0.1:{https_port}")
        elif upstream and stripped.startswith("server 127.0.0.1:"):
            servers = rasa if upstream == "feedback_rasa" else backend
            line = "\n".join(f"    server {address} max_fails=2 fail_timeout=10s;" for address in servers)
        if stripped == "}":
            upstream = None
        lines.append(line)
    return (
        "\n".join(lines)
        .replace(f"/etc/letsencrypt/live/{HOST}/fullchain.pem", str(cert))
        .replace(f"/etc/letsencrypt/live/{HOST}/privkey.pem", str(key))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if nginx is None or shutil.which("openssl") is None:
        pytest.skip("nginx or openssl is not installed on this machine: test_nginx.py checked the config's structure")
    rasa, backend = Stub("rasa"), Stub("backend")
    rasa_port, backend_port = rasa.start(), backend.start()
    # Bound but not listening: connecting is refused at once, like a replica that is down.
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    http_port, https_port = free_port(), free_port()
    (tmp_path / "site.conf").write_text(
        _site(tmp_path, http_port, https_port, [f"127.0.0.1:{dead.getsockname()[1]}", f"127.0.0.1:{rasa_port}"],
              [f"127.0.0.1:{backend_port}"])
    )  # fmt: skip
    temp_paths = "".join(
        f"{k}_temp_path {tmp_path}/{k}; " for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log stderr;\n"
        f"events {{}}\nhttp {{ {temp_paths}\ninclude {tmp_path}/site.conf;\n}}\n"
    )
    proc = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def listening() -> bool:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "nginx exited"
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", https_port)) == 0

        wait_for(listening, timeout=20)
        yield Proxy(https_port, http_port, rasa, backend)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stderr:
            proc.stderr.close()
        dead.close()
        rasa.stop()
        backend.stop()


def test_rasas_api_is_refused_and_never_reaches_rasa(proxy: Proxy) -> None:
    for path in ("/model/parse?token=x", "/conversations/abc/tracker/events", "/status", "/version", "/domain"):
        assert proxy.request("GET", path).status == 404, path
    assert proxy.request("POST", "/model/parse").status == 404
    assert proxy.request("GET", "/chat/../model/parse").status == 404
    assert proxy.request("GET", "/health").status == 404
    assert proxy.rasa.seen == [] and proxy.backend.seen == []


def test_every_tablet_is_served_although_one_replica_is_down(proxy: Proxy) -> None:
    for n in range(12):
        resp = proxy.request("POST", "/chat/webhook", {"Cookie": f"tablet=t{n}", "Content-Type": "application/json"})
        assert resp.status == 200, n
    assert len(proxy.rasa.seen) == 12


def test_each_path_reaches_its_service_with_the_clients_address_and_scheme(proxy: Proxy) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"}
    assert proxy.request("GET", "/chat/", spoofed).status == 200
    assert proxy.request("GET", "/staff/cases", spoofed).status == 200
    assert proxy.request("GET", "/api/v1/submissions", spoofed).status == 200
    assert [path for _, path, _ in proxy.rasa.seen] == ["/chat/"]
    assert [path for _, path, _ in proxy.backend.seen] == ["/staff/cases", "/api/v1/submissions"]
    for _, _, headers in proxy.rasa.seen + proxy.backend.seen:
        assert headers["x-forwarded-for"] == "127.0.0.1"  # the real peer, not what the client claimed
        assert headers["x-forwarded-proto"] == "https"
        assert headers["host"] == HOST


def test_https_answers_carry_hsts_and_plain_http_is_redirected(proxy: Proxy) -> None:
    resp = proxy.request("GET", "/chat/")
    assert "max-age=" in (resp.getheader("Strict-Transport-Security") or "")
    conn = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=20)
    conn.request("GET", "/staff/cases?x=1", headers={"Host": HOST})
    plain = conn.getresponse()
    conn.close()
    assert plain.status == 301
    assert plain.getheader("Location") == f"https://{HOST}/staff/cases?x=1"
    assert proxy.backend.seen == []
