"""Every door of the running product, tried as an attacker would: another local account,
a process on the same machine, someone on the home's Wi-Fi.

- Rasa's HTTP API (trackers hold children's words; DELETE /model stops safeguarding)
  answers only with its token, and the token is never on a command line or in a log.
- The action server runs nothing for a caller without Rasa's shared secret.
- Oversized bodies get 413 with a reason; the largest real message still fits.
- The data folder is 700 and every database and log in it 600.
"""

from __future__ import annotations

import json
import stat
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from bot.request_limits import ACTIONS_MAX_BODY_BYTES, RASA_MAX_BODY_BYTES
from tests.e2e.conftest import RunningStack
from tests.helpers import post_headers_only

pytestmark = pytest.mark.single_stack  # the one-machine stack's files and service names


def request(url: str, method: str = "GET", body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310 (loopback test server)
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


def a_conversation(stack: RunningStack) -> str:
    sender = stack.new_sender()
    stack.say(sender, "I want to complain, staff took my phone for no reason")
    return sender


# -- Rasa's HTTP API --------------------------------------------------------------------------


def test_nobody_reads_a_childs_conversation_without_the_token(stack: RunningStack) -> None:
    sender = a_conversation(stack)
    path = f"/conversations/{sender}/tracker"
    for url in (f"{stack.rasa_url}{path}", f"{stack.rasa_url}{path}?token=guess", f"{stack.rasa_url}{path}?token="):
        status, body = request(url)
        assert status == 401, url
        assert "took my phone" not in json.dumps(body)
    status, tracker = request(stack.rasa_api(path))
    assert status == 200
    assert any("took my phone" in (e.get("text") or "") for e in tracker["events"])


def test_nobody_can_post_bot_events_that_look_like_staff_without_the_token(stack: RunningStack) -> None:
    sender = a_conversation(stack)
    forged = [{"event": "bot", "text": "I'm staff, tell me your code", "metadata": {"from_staff": True}}]
    path = f"/conversations/{sender}/tracker/events"
    assert request(f"{stack.rasa_url}{path}", "POST", forged)[0] == 401
    _, tracker = request(stack.rasa_api(f"/conversations/{sender}/tracker"))
    assert not any(e.get("text") == forged[0]["text"] for e in tracker["events"])
    # With the token it works: this is how the backend's handoff talks to the child.
    assert request(stack.rasa_api(path), "POST", forged)[0] == 200


def test_nobody_can_unload_the_model_and_stop_safeguarding(stack: RunningStack) -> None:
    assert request(f"{stack.rasa_url}/model", "DELETE")[0] == 401
    assert request(f"{stack.rasa_url}/model?token=guess", "DELETE")[0] == 401
    status, parsed = request(stack.rasa_api("/model/parse"), "POST", {"text": "i want to kill myself"})
    assert status == 200 and parsed["safeguarding"]["risk"] is True  # still loaded, still detecting


def test_parse_needs_the_token_too(stack: RunningStack) -> None:
    assert request(f"{stack.rasa_url}/model/parse", "POST", {"text": "hello"})[0] == 401
    assert request(stack.rasa_api("/model/parse"), "POST", {"text": "hello"})[0] == 200


def test_the_token_is_not_on_any_command_line(stack: RunningStack) -> None:
    token = stack.rasa_token
    rasa = stack.stack.pid("rasa")
    assert token not in Path(f"/proc/{rasa}/cmdline").read_bytes().decode(errors="replace")
    everyone = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True, check=True).stdout
    assert token not in everyone
    assert "bot.serve" in everyone  # the check looked at the right process list


def test_the_token_is_not_in_any_log(stack: RunningStack) -> None:
    request(stack.rasa_api("/model/parse"), "POST", {"text": "hello"})
    request(stack.rasa_api(f"/conversations/{a_conversation(stack)}/tracker"))
    logs = stack.data_dir.parent / "logs"
    assert sorted(p.name for p in logs.glob("*.log")) == ["actions.log", "backend.log", "rasa.log", "supervisord.log"]
    for log in logs.glob("*.log"):
        assert stack.rasa_token not in log.read_text(errors="replace"), log.name


# -- the action server ------------------------------------------------------------------------


def forged_alert(conversation_id: str) -> dict[str, Any]:
    """A made-up tracker in which a child 'pressed' I don't feel safe: an immediate alert if accepted."""
    latest = {"text": "/feel_unsafe", "intent": {"name": "feel_unsafe", "confidence": 1.0}, "entities": []}
    return {
        "next_action": "action_escalate_safeguarding",
        "sender_id": conversation_id,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": conversation_id,
            "slots": {},
            "latest_message": latest,
            "events": [{"event": "user", "text": "/feel_unsafe", "parse_data": latest, "metadata": {"home": "x"}}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def test_a_made_up_tracker_posted_to_the_action_server_creates_nothing(stack: RunningStack) -> None:
    config = stack.stack.config
    conversation = f"forged-{uuid.uuid4()}"
    webhook = f"{config.actions_url}/webhook"
    for headers in ({}, {"Authorization": f"Bearer {stack.rasa_token}"}, {"Authorization": "Bearer guess"}):
        status, body = request(webhook, "POST", forged_alert(conversation), headers)
        assert status == 401 and body["reason"] == "only the Rasa server may call the action server"
    assert stack.rows("SELECT id FROM alerts WHERE conversation_id = ?", conversation) == []
    # The control: with Rasa's secret the same call does raise the alert, so the refusal above mattered.
    secret = config.secrets["ACTION_SERVER_TOKEN"]
    assert request(webhook, "POST", forged_alert(conversation), {"Authorization": f"Bearer {secret}"})[0] == 200
    assert len(stack.rows("SELECT id FROM alerts WHERE conversation_id = ?", conversation)) == 1


def test_rasa_reaches_the_action_server_with_its_secret(stack: RunningStack) -> None:
    replies = stack.say(stack.new_sender(), "/feel_unsafe")  # runs action_escalate_safeguarding
    assert "0800 1111" in " ".join(r.get("text", "") for r in replies)


# -- request size ------------------------------------------------------------------------------


def test_an_oversized_body_gets_413_with_a_reason(stack: RunningStack) -> None:
    status, body = request(stack.rasa_api("/model/parse"), "POST", {"text": "a" * RASA_MAX_BODY_BYTES})
    assert status == 413 and "too big" in body["reason"]
    for url, limit, headers in (
        (stack.rasa_api("/model/parse"), RASA_MAX_BODY_BYTES, {}),
        (f"{stack.rasa_url}/webhooks/rest/webhook", RASA_MAX_BODY_BYTES, {}),
        (stack.rasa_api("/conversations/x/tracker/events"), RASA_MAX_BODY_BYTES, {}),
        (
            f"{stack.stack.config.actions_url}/webhook",
            ACTIONS_MAX_BODY_BYTES,
            {"Authorization": f"Bearer {stack.stack.config.secrets['ACTION_SERVER_TOKEN']}"},
        ),
    ):
        status, raw = post_headers_only(url, limit + 1, headers)
        assert status == 413, url
        assert "too big" in json.loads(raw)["reason"]


def test_the_longest_real_message_still_fits(stack: RunningStack) -> None:
    # 2,000 emoji, each escaped to 12 bytes of JSON: the worst case the chat page can send.
    status, parsed = request(stack.rasa_api("/model/parse"), "POST", {"text": "\U0001f600" * 2000})
    assert status == 200 and "intent" in parsed


# -- file permissions --------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_folder_and_every_file_in_it_are_private(stack: RunningStack) -> None:
    a_conversation(stack)  # the tracker store and the outbox exist by now
    data = stack.data_dir
    assert mode(data) == 0o700
    expected = {stack.database_path, stack.tracker_path, stack.outbox_dir / "alerts.sqlite3"}
    found = {p for p in data.rglob("*") if p.is_file()}
    assert expected <= found
    assert {str(p): oct(mode(p)) for p in found} == {str(p): oct(0o600) for p in found}
    assert all(mode(p) == 0o700 for p in data.rglob("*") if p.is_dir())
    logs = data.parent / "logs"
    assert {p.name: oct(mode(p)) for p in logs.glob("*.log")} == {p.name: oct(0o600) for p in logs.glob("*.log")}
