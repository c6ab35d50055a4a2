"""scripts/supervision.py with a real supervisord and two small servers (no model needed, a few seconds)."""

from __future__ import annotations

import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.stack import Program, StackConfig
from scripts.supervision import Supervised, render_config
from tests.helpers import free_port, wait_for


class TwoServers(Supervised):
    def __init__(self, tmp: Path) -> None:
        self.config = StackConfig(data_dir=tmp / "var", log_dir=tmp / "logs")
        self.ports = {"one": free_port(), "two": free_port()}
        self.programs = [
            Program(
                name,
                [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                {"PATH": os.environ["PATH"], "A_SECRET": 'a "quoted" 100% value'},
                f"http://127.0.0.1:{port}/",
                start_seconds=1,
            )
            for name, port in self.ports.items()
        ]

    def up(self, name: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[name]}/", timeout=1):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[TwoServers]:
    running = TwoServers(tmp_path)
    running._supervisor_start(running.programs)
    try:
        wait_for(lambda: running.up("one") and running.up("two"), timeout=20, interval=0.1)
        yield running
    finally:
        running._supervisor_stop()


def test_a_killed_service_is_restarted_and_the_other_keeps_running(servers: TwoServers) -> None:
    other = servers.supervised_pid("two")
    killed = servers.kill("one", signal.SIGKILL)
    assert killed
    wait_for(lambda: servers.supervised_pid("one") not in (0, killed), timeout=15, interval=0.1)
    wait_for(lambda: servers.up("one"), timeout=15, interval=0.1)
    assert servers.supervised_pid("two") == other


def test_stopping_supervisord_stops_every_service_and_removes_its_config(servers: TwoServers) -> None:
    pids = [servers.supervised_pid("one"), servers.supervised_pid("two")]
    servers._supervisor_stop()
    assert not servers.up("one") and not servers.up("two")
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert not servers.conf.exists()  # it held the services' environments


def test_the_config_is_private_and_each_service_gets_exactly_its_environment(servers: TwoServers) -> None:
    assert (servers.conf.stat().st_mode & 0o777) == 0o600
    assert (servers.run_dir.stat().st_mode & 0o777) == 0o700
    environ = Path(f"/proc/{servers.supervised_pid('one')}/environ").read_bytes().split(b"\0")
    assert b'A_SECRET=a "quoted" 100% value' in environ
    assert not any(e.startswith(b"SERVICE_TOKEN=") for e in environ)


def test_services_start_in_order_and_stop_in_reverse() -> None:
    config = render_config(
        [Program("backend", ["b"], {}, ""), Program("rasa", ["r"], {}, "", start_seconds=10)], Path("/run"), None
    )
    assert config.index("[program:backend]") < config.index("[program:rasa]")
    assert "priority=10" in config and "priority=20" in config  # supervisord stops higher priority first
    assert "autorestart=true" in config and "startsecs=10" in config
    assert "stdout_logfile=/dev/stdout" in config  # `make run` shows every service's output
