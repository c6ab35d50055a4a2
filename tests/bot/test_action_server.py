"""The action server as `make run` starts it (bot/action_server.py through scripts/stack.py),
attacked the way someone on the home's Wi-Fi or another local account would.

The stack is configured with host 0.0.0.0 (as `BIND_HOST=0.0.0.0` would), the
backend is not running: a forged alert that got through would wait in the outbox,
so an empty outbox proves nothing was accepted.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.request_limits import ACTIONS_MAX_BODY_BYTES
from scripts.stack import RASA_PY, ROOT, Stack, StackConfig
from tests.helpers import free_port, post_headers_only, sqlite_rows

TOKEN = secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("actions")
    config = StackConfig(
        host="0.0.0.0",  # noqa: S104 (the setting under test)
        actions_port=free_port(),
        backend_port=free_port(),  # nothing listens there
        outbox_dir=str(tmp / "outbox"),
        secrets={"SERVICE_TOKEN": secrets.token_urlsafe(32), "ACTION_SERVER_TOKEN": TOKEN},
        extra_env={"HOME_CODE": "attack-home"},
        log_dir=tmp / "logs",
    )
    stack = Stack(config)
    stack.restart_actions()
    yield stack
    stack.stop()


def forged_alert() -> dict[str, Any]:
    """What an attacker would post: a made-up tracker whose child 'pressed' I don't feel safe."""
    latest = {"text": "/feel_unsafe", "intent": {"name": "feel_unsafe", "confidence": 1.0}, "entities": []}
    return {
        "next_action": "action_escalate_safeguarding",
        "sender_id": str(uuid.uuid4()),
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": str(uuid.uuid4()),
            "slots": {},
            "latest_message": latest,
            "events": [{"event": "user", "text": "/feel_unsafe", "parse_data": latest, "metadata": {}}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def call(
    stack: Stack, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 (loopback test server)
        f"{stack.config.actions_url}{path}",
        data=body,
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def outbox_rows(stack: Stack) -> list[Any]:
    path = Path(stack.config.outbox_dir) / "alerts.sqlite3"
    return sqlite_rows(path, "SELECT * FROM outbox") if path.exists() else []


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong-" + TOKEN[6:]),
        bearer(TOKEN[:-1]),
        {"Authorization": TOKEN},  # no scheme
        {"X-Action-Token": TOKEN},
    ],
    ids=["none", "wrong", "prefix", "no-scheme", "other-header"],
)
def test_a_forged_tracker_without_the_secret_is_refused_and_nothing_is_kept(
    actions: Stack, headers: dict[str, str]
) -> None:
    status, body = call(actions, "POST", "/webhook", json.dumps(forged_alert()).encode(), headers)
    assert status == 401
    assert body["reason"] == "only the Rasa server may call the action server"
    assert outbox_rows(actions) == []


def test_the_secret_in_the_url_is_not_accepted(actions: Stack) -> None:
    status, _ = call(actions, "POST", f"/webhook?token={TOKEN}", json.dumps(forged_alert()).encode())
    assert status == 401


def test_the_list_of_actions_needs_the_secret_too(actions: Stack) -> None:
    assert call(actions, "GET", "/actions")[0] == 401
    status, names = call(actions, "GET", "/actions", headers=bearer(TOKEN))
    assert status == 200 and {"name": "action_escalate_safeguarding"} in names


def test_health_is_open_and_says_nothing(actions: Stack) -> None:
    assert call(actions, "GET", "/health") == (200, {"status": "ok"})


def test_with_the_secret_the_same_call_runs_the_action(actions: Stack) -> None:
    """The control: the refused call above would otherwise have raised an alert."""
    before = len(outbox_rows(actions))
    status, result = call(actions, "POST", "/webhook", json.dumps(forged_alert()).encode(), bearer(TOKEN))
    assert status == 200
    assert result["responses"][0]["response"] == "utter_safeguarding_immediate"
    assert len(outbox_rows(actions)) == before + 1


def test_an_oversized_body_gets_413_with_a_reason(actions: Stack) -> None:
    url = f"{actions.config.actions_url}/webhook"
    status, body = post_headers_only(url, ACTIONS_MAX_BODY_BYTES + 1, bearer(TOKEN))
    assert status == 413
    assert "too big" in json.loads(body)["reason"]


def test_an_oversized_body_without_the_secret_gets_401(actions: Stack) -> None:
    # Sanic runs the request middleware before answering a body error: the secret is checked first.
    assert post_headers_only(f"{actions.config.actions_url}/webhook", ACTIONS_MAX_BODY_BYTES + 1)[0] == 401


def test_a_call_exactly_at_the_limit_still_runs(actions: Stack) -> None:
    call_body = forged_alert()
    call_body["padding"] = ""  # rasa-sdk reads only the keys it knows
    call_body["padding"] = "x" * (ACTIONS_MAX_BODY_BYTES - len(json.dumps(call_body).encode()))
    body = json.dumps(call_body).encode()
    assert len(body) == ACTIONS_MAX_BODY_BYTES
    assert call(actions, "POST", "/webhook", body, bearer(TOKEN))[0] == 200


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on `port` (/proc/net/tcp: state 0A is LISTEN)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_it_listens_on_loopback_only_even_when_the_stack_binds_everywhere(actions: Stack) -> None:
    assert actions.config.host == "0.0.0.0"  # noqa: S104
    assert _listening_addresses(actions.config.actions_port) == {"0100007F"}  # 127.0.0.1, little-endian hex
    assert "SANIC_HOST" not in actions.actions_env()


def test_it_gets_only_the_secrets_it_needs(actions: Stack) -> None:
    config = StackConfig(secrets={"RASA_AUTH_TOKEN": "r" * 43, "TABLET_TOKEN_KEY": "k" * 43, "SERVICE_TOKEN": "s" * 43})
    env = Stack(config).actions_env()
    assert "RASA_AUTH_TOKEN" not in env and "TABLET_TOKEN_KEY" not in env
    assert env["SERVICE_TOKEN"] == "s" * 43


def test_it_refuses_to_start_without_the_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTION_SERVER_TOKEN")}
    result = subprocess.run(
        [str(RASA_PY), "-m", "bot.action_server", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "ACTION_SERVER_TOKEN is not set" in result.stderr
