"""deploy/nginx/feedback-bot.conf: what it exposes, what it hides, and what it tells the services.

The routes come from the code itself (Rasa's server, the backend's router), so a new
Rasa admin route or backend page is checked without editing this file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from aiohttp import web

from backend.limits import FORM_MAX_BYTES
from backend.routes import ROUTES
from bot.request_limits import RASA_MAX_BODY_BYTES
from tests.deploy.nginx_conf import Directive, choose, parse, seconds, setting, size_bytes
from tests.deploy.units import DEFAULT_INSTANCES, ROOT

SITE = ROOT / "deploy/nginx/feedback-bot.conf"
RASA = "http://feedback_rasa"
BACKEND = "http://feedback_backend"
RASA_SERVER = next(iter(sorted((ROOT / ".venv/rasa/lib").glob("python3*/site-packages/rasa/server.py"))), None)
CHANNEL_PATHS = [
    "/chat/",
    "/chat/webhook",
    "/chat/setup",
    "/chat/updates",
    "/chat/static/chat.js",
    "/webhooks/rest/webhook",
]
STREAM = "/staff/alerts/stream"


def top() -> list[Directive]:
    return parse(SITE.read_text())


def servers() -> list[Directive]:
    return [d for d in top() if d.name == "server"]


def tls_server() -> Directive:
    (server,) = [s for s in servers() if any("ssl" in listen.args for listen in s.children("listen"))]
    return server


def proxied_to(uri: str) -> str | None:
    loc = choose(tls_server(), uri)
    found = setting(tls_server(), loc, "proxy_pass") if loc else None
    return found[0] if found else None


def rasa_routes() -> list[str]:
    assert RASA_SERVER is not None
    source = RASA_SERVER.read_text()
    routes = re.findall(r'@app\.(?:get|post|put|delete|patch|route)\(\s*"([^"]+)"', source)
    assert len(routes) > 10, "Rasa's routes were not found in rasa/server.py"
    return [re.sub(r"<[^>]+>", "x", route) for route in routes]


def backend_routes() -> list[str]:
    """Every path in the backend's route table (backend/routes.py)."""
    paths = [route.path if isinstance(route, web.RouteDef) else route.prefix for route in ROUTES]
    assert len(paths) > 10, "the backend's routes were not found"
    return [re.sub(r"\{[^}]+\}", "x", path) for path in paths]


def test_rasas_http_api_is_never_proxied() -> None:
    if RASA_SERVER is None:
        pytest.skip("Rasa's virtualenv is not built here (make setup): its routes cannot be listed")
    exposed = [route for route in rasa_routes() if proxied_to(route) == RASA]
    assert not exposed, f"Rasa's admin API reachable from the internet: {exposed}"
    for route in ("/model/parse", "/conversations/x/tracker/events", "/status", "/version", "/domain", "/model"):
        loc = choose(tls_server(), route)
        assert loc is not None and loc.directive.first("return").args[0] == "404", route


def test_the_chat_and_its_channel_go_to_rasa() -> None:
    for uri in CHANNEL_PATHS:
        assert proxied_to(uri) == RASA, uri


def test_every_staff_page_and_api_route_goes_to_the_backend() -> None:
    public = [p for p in backend_routes() if p.startswith(("/staff/", "/api/"))]
    assert public
    for uri in public:
        assert proxied_to(uri) == BACKEND, uri
    assert proxied_to("/health") is None  # the health checks ask each service directly


def test_the_alert_stream_is_not_buffered_and_may_stay_open() -> None:
    server = tls_server()
    loc = choose(server, STREAM)
    assert loc is not None and setting(server, loc, "proxy_pass") == [BACKEND]
    assert setting(server, loc, "proxy_buffering") == ["off"]
    assert seconds(setting(server, loc, "proxy_read_timeout")[0]) >= 3600
    source = (ROOT / "backend/alerts/stream.py").read_text()
    keepalive = float(re.search(r"KEEPALIVE_SECONDS = ([\d.]+)", source).group(1))
    assert keepalive < seconds(setting(server, None, "proxy_read_timeout")[0])


def test_forwarded_headers_are_the_ones_the_services_read() -> None:
    server = tls_server()
    headers = {d.args[0].lower(): d.args[1] for d in server.children("proxy_set_header")}
    # backend/throttle/address.py (with TRUSTED_PROXIES) and Sanic's SANIC_PROXIES_COUNT read this.
    assert headers["x-forwarded-for"] == "$remote_addr"
    # backend/staff/tls.py and bot/channels/tablet_cookie.py: Secure cookies, staff pages only over HTTPS.
    assert headers["x-forwarded-proto"] == "$scheme"
    assert headers["host"] == "$host"
    # A proxy_set_header in a location would silently drop every one of these there.
    for loc in server.children("location"):
        assert not loc.children("proxy_set_header") and not loc.children("add_header"), loc.args


def test_a_dead_replica_is_skipped_but_a_sent_post_is_not_repeated() -> None:
    server = tls_server()
    retry = setting(server, None, "proxy_next_upstream")
    assert retry is not None and {"error", "timeout"} <= set(retry) and "non_idempotent" not in retry
    assert seconds(setting(server, None, "proxy_connect_timeout")[0]) <= 10


def test_upstreams_list_the_default_instances() -> None:
    upstreams = {d.args[0]: [s.args[0] for s in d.children("server")] for d in top() if d.name == "upstream"}
    assert upstreams["feedback_rasa"][0] == f"127.0.0.1:{DEFAULT_INSTANCES['feedback-rasa@.service']}"
    assert upstreams["feedback_backend"][0] == f"127.0.0.1:{DEFAULT_INSTANCES['feedback-backend@.service']}"


def test_body_limits_let_the_services_answer_for_themselves() -> None:
    server = tls_server()
    assert size_bytes(setting(server, None, "client_max_body_size")[0]) > FORM_MAX_BYTES
    for uri in ("/chat/webhook", "/webhooks/rest/webhook"):
        limit = size_bytes(setting(server, choose(server, uri), "client_max_body_size")[0])
        assert RASA_MAX_BODY_BYTES < limit <= 1024 * 1024, uri


def test_plain_http_only_redirects_and_https_sets_hsts() -> None:
    tls = tls_server()
    (plain,) = [s for s in servers() if s.first("listen").args == ["80"]]
    assert plain.first("return").args == ["301", "https://$host$request_uri"]
    assert not plain.children("location") and not plain.children("proxy_pass")
    hsts = [d.args for d in tls.children("add_header") if d.args[0] == "Strict-Transport-Security"]
    assert hsts and "max-age=" in hsts[0][1] and hsts[0][-1] == "always"
    assert setting(tls, None, "ssl_protocols") == ["TLSv1.2", "TLSv1.3"]


def test_access_log_leaves_out_query_strings() -> None:
    # Rasa's REST channel accepts its token as ?token=: $request and $request_uri would log it.
    (fmt,) = [d for d in top() if d.name == "log_format"]
    text = " ".join(fmt.args[1:])
    assert "$uri" in text
    assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+)\b", text), text
    for server in servers():
        assert server.first("access_log").args[1] == fmt.args[0]


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx, openssl = _nginx(), shutil.which("openssl")
    if nginx is None:
        pytest.skip("nginx is not installed on this machine (command -v nginx): only the structural tests ran")
    if openssl is None:
        pytest.skip("openssl is needed for a throw-away certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=feedback.example.org",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (
        SITE.read_text()
        .replace("/etc/letsencrypt/live/feedback.example.org/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/feedback.example.org/privkey.pem", str(key))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "".join(
        f"    {k}_temp_path {tmp_path}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n{temp_paths}    access_log off;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
