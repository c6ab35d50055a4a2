"""The scaled deployment on one machine: N replicas of each service behind nginx, on PostgreSQL and Redis.

What a local authority with many homes runs, spread over machines (README,
"Scaled deployment"), started here on one machine for testing, for
`make run-scaled`, `make chaos` and the benchmark:

- `backend-1..N`, `actions-1..N` and `rasa-1..N` under one supervisord, each on
  its own loopback port, restarted by itself when it crashes;
- nginx (Debian's) in front, on the three public ports of StackConfig: a dead
  replica is skipped (`proxy_next_upstream`), a tablet keeps to one Rasa replica
  while it lives (its cookie), a REST caller is spread over all of them;
- PostgreSQL for the backend and for Rasa's tracker store (two databases
  created here), Redis for Rasa's conversation locks, so any Rasa replica can
  serve any message of any conversation.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.stack import PRIVATE_UMASK, Program, Stack, StackConfig, make_private_dir
from scripts.supervision import Supervised

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class Replica:
    number: int
    backend_port: int
    actions_port: int
    rasa_port: int


def _psql(sql: str, check: bool = True) -> str:
    done = subprocess.run(
        ["psql", POSTGRES + "/postgres", "-qtA", "-c", sql], check=check, capture_output=True, text=True
    )
    return done.stdout.strip()


def create_database(name: str, fresh: bool) -> None:
    """The PostgreSQL database `name`, created if missing (dropped first when `fresh`: tests, chaos)."""
    if not name.replace("_", "").isalnum():  # our own names only; they are written into SQL
        raise ValueError(f"not a database name: {name!r}")
    if fresh:
        drop_database(name)
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":  # noqa: S608
        _psql(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check=False)


def _upstream(name: str, ports: list[int], balance: str = "") -> str:
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;" for port in ports)
    return f"    upstream {name} {{\n{balance}{servers}\n        keepalive 32;\n    }}\n"


def _server(port: int, upstream: str, read_timeout: str) -> str:
    return f"""    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            # Replaced, not appended: a client cannot name its own address.
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_buffering off;
            proxy_read_timeout {read_timeout};
        }}
    }}
"""


def render_nginx(run_dir: Path, public: StackConfig, replicas: list[Replica]) -> str:
    """nginx.conf for the balancer (loopback only; deploy/ has the TLS front door for production)."""
    temp = {k: run_dir / f"nginx-{k}" for k in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    affinity = (
        # A tablet keeps to one replica while it lives (its cookie); a REST caller goes anywhere.
        '    map $cookie_tablet $rasa_affinity {\n        "" $request_id;\n        default $cookie_tablet;\n    }\n'
    )
    return (
        "daemon off;\nworker_processes 1;\n"
        f"pid {run_dir / 'nginx.pid'};\nerror_log stderr warn;\n"
        "events {\n    worker_connections 2048;\n}\n"
        "http {\n    access_log off;\n    client_max_body_size 16m;\n"
        # In memory, never a temporary file: an action call carries the whole conversation (often
        # over nginx's 16 KB), and nginx's workers may not write into our private (700) folder.
        "    client_body_buffer_size 16m;\n    proxy_max_temp_file_size 0;\n"
        + "".join(
            f"    {k}_temp_path {path};\n"
            for k, path in {
                "client_body": temp["body"],
                **{k: temp[k] for k in ("proxy", "fastcgi", "uwsgi", "scgi")},
            }.items()
        )
        + "    proxy_connect_timeout 2s;\n"
        # A replica that refuses or drops the connection is skipped; a POST is never sent twice
        # once a replica has it (nginx does not retry non-idempotent requests after sending them).
        "    proxy_next_upstream error timeout http_502 http_503;\n"
        "    proxy_next_upstream_tries 0;\n"
        + affinity
        + _upstream("rasa", [r.rasa_port for r in replicas], "        hash $rasa_affinity consistent;\n")
        + _upstream("backend", [r.backend_port for r in replicas])
        + _upstream("actions", [r.actions_port for r in replicas])
        + _server(public.rasa_port, "rasa", "120s")
        + _server(public.backend_port, "backend", "3600s")  # the staff alert stream stays open
        + _server(public.actions_port, "actions", "120s")
        + "}\n"
    )


class ScaledStack(Supervised, Stack):
    """config's ports are nginx's public ones; each replica listens on its own."""

    def __init__(
        self, config: StackConfig, replicas: list[Replica], databases: tuple[str, str], fresh: bool = False
    ) -> None:
        super().__init__(config)
        self.replicas = replicas
        self.databases = databases  # (backend, tracker)
        self.fresh = fresh

    @classmethod
    def on_ports(cls, config: StackConfig, ports: list[int], name: str, fresh: bool = False) -> ScaledStack:
        """`ports`: three per replica. `name` names the databases and the Redis key prefix."""
        replicas = [Replica(i + 1, *ports[3 * i : 3 * i + 3]) for i in range(len(ports) // 3)]
        databases = (f"{name}_backend", f"{name}_tracker")
        config = dataclasses.replace(
            config,
            database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{databases[0]}",
            tracker_url=f"{POSTGRES}/{databases[1]}",
            redis_lock_prefix=name.replace("_", ""),
        )
        return cls(config, replicas, databases, fresh)

    def _replica_stack(self, replica: Replica) -> Stack:
        """One replica's environments: every URL it calls is nginx's, its outbox is its own."""
        return Stack(
            dataclasses.replace(self.config, outbox_dir=str(self.config.data_dir / f"outbox-{replica.number}"))
        )

    def programs(self) -> list[Program]:
        c = self.config
        programs: list[Program] = []
        for replica in self.replicas:
            one = self._replica_stack(replica)
            n = replica.number
            backend_env = {
                **one.backend_env(),
                "BACKEND_PORT": str(replica.backend_port),
                "PUBLIC_URL": c.backend_url,
                "TRUSTED_PROXIES": "127.0.0.1",
            }
            rasa_args = [*one.rasa_args()]
            rasa_args[rasa_args.index("--port") + 1] = str(replica.rasa_port)
            rasa_env = {
                **one.rasa_env(),
                "SANIC_PROXIES_COUNT": "1",  # the address nginx saw
                # A killed replica's conversation lock (Redis) frees itself after this many seconds,
                # not Rasa's default 60: its children wait that long at most. A turn takes well under it.
                "TICKET_LOCK_LIFETIME": "15",
            }
            programs += [
                Program(
                    f"backend-{n}", one.backend_args(), backend_env, f"http://127.0.0.1:{replica.backend_port}/health"
                ),
                Program(
                    f"actions-{n}",
                    [*one.actions_args()[:-1], str(replica.actions_port)],
                    one.actions_env(),
                    f"http://127.0.0.1:{replica.actions_port}/health",
                ),
                Program(f"rasa-{n}", rasa_args, rasa_env, f"http://127.0.0.1:{replica.rasa_port}/", start_seconds=10),
            ]
        programs.append(
            Program(
                "nginx",
                [NGINX, "-p", str(self.config.data_dir / "run"), "-c", str(self.config.data_dir / "run/nginx.conf")],
                {"PATH": os.environ.get("PATH", "")},
                f"{c.backend_url}/health",
            )
        )
        return programs

    def start(self, timeout: float = 300.0) -> None:
        self._check_secrets()
        os.umask(PRIVATE_UMASK)
        make_private_dir(self.config.data_dir)
        for name in self.databases:
            create_database(name, self.fresh)
        self.migrate()
        run_dir = self.config.data_dir / "run"
        make_private_dir(run_dir)
        (run_dir / "nginx.conf").write_text(render_nginx(run_dir, self.config, self.replicas))
        self._supervisor_start(self.programs())
        self.wait_ready(timeout)
        # Through the balancer too, which is what children and staff reach.
        deadline = time.monotonic() + 30
        self._wait_ready("nginx", f"{self.config.rasa_url}/", deadline)

    def drop_databases(self) -> None:
        """After stop(): the throw-away databases of a test or chaos run."""
        for database in self.databases:
            drop_database(database)
