"""The three services under supervisord: a crashed service is restarted by itself, the others keep running.

Why supervisord: a real, long-lived process manager that needs no root and no
systemd (these machines and many home servers have neither available to a user),
restarts with back-off, stops in reverse order and kills whole process groups.
In production the systemd units in deploy/ do the same job.

`make run` (scripts/run.py), the end-to-end tests and the benchmark all start the
stack this way, so what is tested is what runs. The services' environments
(secrets included) go into a config file in the private data folder (700/600),
never onto a command line; supervisord itself starts with an almost empty
environment so each service gets only what its Program lists.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

from scripts.stack import PRIVATE_UMASK, ROOT, Program, Stack, StackConfig, make_private_dir

SUPERVISORD = ROOT / ".venv/backend/bin/supervisord"
SUPERVISORCTL = ROOT / ".venv/backend/bin/supervisorctl"
START_RETRIES = 20  # a service that keeps failing to start is tried again 1 s, 2 s, ... later
STOP_WAIT_SECONDS = 15


def _quote(value: str) -> str:
    """A value for supervisord's `environment=`: quoted with a quote it does not contain.

    supervisord reads the list with a non-POSIX shlex (no escapes inside quotes) and then
    expands %(name)s, so a `%` is doubled and a value holding both kinds of quote is refused.
    """
    if "\n" in value or ('"' in value and "'" in value):
        raise ValueError("an environment value with a newline or both kinds of quote cannot be given to supervisord")
    quote = "'" if '"' in value else '"'
    return quote + value.replace("%", "%%") + quote


def _environment(env: dict[str, str]) -> str:
    # Only plain names and values: anything else (an exported shell function, say) is no service's setting.
    usable = {k: v for k, v in env.items() if k.replace("_", "").isalnum() and "\n" not in v}
    return ",".join(f"{k}={_quote(v)}" for k, v in sorted(usable.items()))


def _log_target(log_dir: Path | None, name: str) -> str:
    return "/dev/stdout" if log_dir is None else str(log_dir / f"{name}.log")


def render_config(programs: list[Program], run_dir: Path, log_dir: Path | None) -> str:
    """supervisord.conf for `programs`, started in list order and stopped in reverse."""
    # supervisorctl's password for this run only: the socket is private (700) already, this
    # also keeps supervisord from warning about an open control socket at every start.
    password = secrets.token_urlsafe(24)
    lines = [
        "[supervisord]",
        "nodaemon=true",
        # In the foreground supervisord also prints its log to the terminal: the file is for later.
        f"logfile={(log_dir or run_dir) / 'supervisord.log'}",
        "logfile_maxbytes=0" if log_dir else "logfile_maxbytes=1MB",
        f"pidfile={run_dir / 'supervisord.pid'}",
        f"childlogdir={run_dir}",
        "umask=077",
        *(["user=root"] if os.geteuid() == 0 else []),  # as who started it; said, so it does not warn
        "",
        "[unix_http_server]",
        f"file={run_dir / 'supervisor.sock'}",
        "chmod=0700",
        "username=stack",
        f"password={password}",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{run_dir / 'supervisor.sock'}",
        "username=stack",
        f"password={password}",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for priority, program in enumerate(programs, start=1):
        lines += [
            "",
            f"[program:{program.name}]",
            "command=" + " ".join(program.args),
            f"directory={ROOT}",
            f"environment={_environment(program.env)}",
            f"priority={priority * 10}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={program.start_seconds}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_WAIT_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_log_target(log_dir, program.name)}",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


class Supervised:
    """Runs a list of programs under one supervisord; the mixin behind SupervisedStack and the scaled stack."""

    # Given by the Stack it is mixed into (programs() and _wait_ready() come from there too).
    config: StackConfig

    def _supervisor_start(self, programs: list[Program]) -> None:
        run_dir = self.config.data_dir / "run"
        make_private_dir(run_dir)
        self.run_dir = run_dir
        self.conf = run_dir / "supervisord.conf"
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as conf:
            conf.write(render_config(programs, run_dir, self.config.log_dir))
        quiet: int | None = None
        if self.config.log_dir is not None:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            quiet = subprocess.DEVNULL  # everything is in the log files already
        minimal_env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TZ") if k in os.environ}
        # Own session: Ctrl-C reaches run.py only, which then stops supervisord, which stops the services.
        self.supervisord = subprocess.Popen(
            [str(SUPERVISORD), "-c", str(self.conf)], cwd=ROOT, env=minimal_env, stdout=quiet, start_new_session=True
        )

    def ctl(self, *args: str) -> str:
        """supervisorctl against this stack's supervisord; its output (it exits non-zero for a stopped service)."""
        done = subprocess.run(
            [str(SUPERVISORCTL), "-c", str(self.conf), *args], capture_output=True, text=True, check=False
        )
        return done.stdout

    def supervisor_alive(self) -> bool:
        return self.supervisord.poll() is None

    def supervised_pid(self, name: str) -> int:
        """The service's pid now (0 while it is down or restarting)."""
        out = self.ctl("pid", name).strip()
        return int(out) if out.isdigit() else 0

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Kill a service as a crash would (the fault tests); returns the pid that was killed."""
        pid = self.supervised_pid(name)
        if pid:
            os.kill(pid, sig)
        return pid

    # -- what Stack does with plain processes, done through supervisord -----------------
    def _check_alive(self, name: str) -> None:
        if not self.supervisor_alive():
            raise RuntimeError(f"supervisord exited with code {self.supervisord.returncode} while starting")
        if "FATAL" in self.ctl("status", name):
            raise RuntimeError(f"{name} kept failing to start (see its log)")

    def pid(self, name: str) -> int:
        return self.supervised_pid(name)

    def stop(self, name: str | None = None) -> None:
        """One service (supervisord then leaves it stopped), or everything."""
        if name is not None:
            self.ctl("stop", name)
        elif hasattr(self, "supervisord"):
            self._supervisor_stop()

    def start_service(self, name: str, timeout: float = 180.0) -> None:
        """Start a service stopped with stop(name) and wait until it answers."""
        self.ctl("start", name)
        program = next(p for p in self.programs() if p.name == name)
        self._wait_ready(name, program.health_url, time.monotonic() + timeout)

    def _supervisor_stop(self) -> None:
        if self.supervisord.poll() is None:
            self.supervisord.send_signal(signal.SIGTERM)  # stops the services in reverse order, then exits
            try:
                self.supervisord.wait(timeout=STOP_WAIT_SECONDS * 3 + 10)
            except subprocess.TimeoutExpired:
                self.supervisord.kill()
                self.supervisord.wait()
        self.conf.unlink(missing_ok=True)  # it holds the services' secrets


class SupervisedStack(Supervised, Stack):
    """The three services of `make run` under supervisord."""

    def start(self, timeout: float = 240.0) -> None:
        self._check_secrets()
        os.umask(PRIVATE_UMASK)
        make_private_dir(self.config.data_dir)
        self.migrate()
        self._supervisor_start(self.programs())
        self.wait_ready(timeout)

    def restart_backend(self, timeout: float = 60.0) -> None:
        self.start_service("backend", timeout)

    def restart_actions(self, timeout: float = 60.0) -> None:
        self.start_service("actions", timeout)
