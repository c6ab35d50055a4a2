"""scripts/scaled.py's nginx, for real, in front of stand-ins: large bodies, a dead replica, the address.

An action call carries the whole conversation, often over nginx's 16 KB body buffer. Once,
nginx wrote such bodies to a temporary file its workers could not open in our private
folder and answered 500 to every action call; Rasa then ran every action itself
(bot/action_fallback.py), which hid it. This test failed then.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.scaled import NGINX, Replica, render_nginx
from scripts.stack import StackConfig, make_private_dir
from tests.deploy.test_nginx_live import Stub
from tests.helpers import free_port, wait_for


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[tuple[StackConfig, Stub]]:
    if not shutil.which("nginx") and not Path(NGINX).exists():
        pytest.fail("nginx is missing: scripts/ensure_nginx.sh installs it (make test does)")
    actions = Stub("actions")
    live = actions.start()
    dead = free_port()  # a replica that is down: nothing listens
    public = StackConfig(rasa_port=free_port(), backend_port=free_port(), actions_port=free_port())
    run_dir = tmp_path / "run"
    make_private_dir(run_dir)  # 700, as the stack makes it
    replicas = [Replica(1, free_port(), dead, free_port()), Replica(2, free_port(), live, free_port())]
    (run_dir / "nginx.conf").write_text(render_nginx(run_dir, public, replicas))
    proc = subprocess.Popen([NGINX, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{public.actions_port}/health"), timeout=10, interval=0.05)
        yield public, actions
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        actions.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 (loopback test server)
            return resp.status == 200
    except OSError:
        return False


def test_a_large_action_call_reaches_a_live_replica(balancer: tuple[StackConfig, Stub]) -> None:
    public, actions = balancer
    body = json.dumps({"tracker": {"events": ["x" * 100 for _ in range(3000)]}}).encode()  # ~320 KB
    req = urllib.request.Request(
        f"http://127.0.0.1:{public.actions_port}/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Forwarded-For": "6.6.6.6"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status == 200 and resp.read() == b"actions"
    method, path, headers = actions.seen[-1]
    assert (method, path) == ("POST", "/webhook")
    assert headers["x-forwarded-for"] == "127.0.0.1"  # replaced by nginx, never the caller's own
