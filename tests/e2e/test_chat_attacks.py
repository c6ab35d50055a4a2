"""Attacks on the chat and REST channels of the real Rasa server (the trained model, the
action server and the backend as processes): what lands in the backend is what counts."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack, texts
from tests.helpers import wait_for

DISCLOSURE = "he hits me every night"
# The shipped limits (bot/channels/answers.py, bot/channels/rate_limit.py; this virtualenv has no Sanic to import them).
MAX_BODY_BYTES = 32 * 1024
TABLET_BURST = 20
TABLET_PER_SECOND = 20 / 60


def _post(
    opener: urllib.request.OpenerDirector, url: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, Any, dict[str, str]]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback test server)
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = raw.decode(errors="replace")
        return error.code, answer, dict(error.headers)


def _chat(
    stack: RunningStack, tablet: urllib.request.OpenerDirector, sender: str, text: str, **metadata: Any
) -> tuple[int, Any, dict[str, str]]:
    body = {"sender": sender, "message": text, "metadata": {"client_message_id": uuid.uuid4().hex, **metadata}}
    return _post(tablet, f"{stack.rasa_url}/chat/webhook", body)


def _alerts(stack: RunningStack, *senders: str) -> list[Any]:
    marks = ",".join("?" * len(senders))
    return stack.rows(f"SELECT * FROM alerts WHERE conversation_id IN ({marks})", *senders)  # noqa: S608


def _no_cookies() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener()


# ---- the home comes from the tablet token -----------------------------------------------


def test_a_home_spoofed_in_the_metadata_does_not_reach_the_alert(stack: RunningStack) -> None:
    tablet = stack.new_tablet("oak-house")
    child = stack.new_sender()
    status, replies, _ = _chat(stack, tablet, child, "/feel_unsafe", home="birch-house")
    assert status == 200 and "999" in texts(replies)
    (alert,) = wait_for(lambda: _alerts(stack, child), timeout=30)
    assert alert["home_code"] == "oak-house"


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "made-up",
        # A well-formed token signed with some other key.
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJob21lIjoiYmlyY2gtaG91c2UifQ.c2lnbmF0dXJlLW5vdC1vdXJz",
    ],
)
def test_without_a_real_tablet_token_nothing_reaches_the_bot(stack: RunningStack, cookie: str | None) -> None:
    child = stack.new_sender()
    headers = {"Cookie": f"tablet={cookie}"} if cookie else {}
    body = {"sender": child, "message": "/feel_unsafe", "metadata": {"client_message_id": uuid.uuid4().hex}}
    status, answer, _ = _post(_no_cookies(), f"{stack.rasa_url}/chat/webhook", body, headers)
    assert status == 401 and answer["code"] == "tablet_not_set_up"
    assert _alerts(stack, child) == []


# ---- messages that start with "/" --------------------------------------------------------


@pytest.mark.parametrize("text", [f"/ {DISCLOSURE}", f"/affirm@1.0 {DISCLOSURE}", f'/affirm{{"x": "{DISCLOSURE}"}}'])
def test_a_disclosure_behind_a_slash_gets_the_safety_reply_and_an_alert(stack: RunningStack, text: str) -> None:
    child = stack.new_sender()
    status, replies, _ = _chat(stack, stack.tablet(), child, text)
    assert status == 200
    told = texts(replies)
    assert "not in trouble" in told and "0800 1111" in told
    (alert,) = wait_for(lambda: _alerts(stack, child), timeout=30)
    assert alert["home_code"] == "e2e-home"


def test_a_real_button_payload_still_works_through_the_chat(stack: RunningStack) -> None:
    child = stack.new_sender()
    status, replies, _ = _chat(stack, stack.tablet(), child, "/feel_unsafe")
    assert status == 200 and "999" in texts(replies)
    (alert,) = wait_for(lambda: _alerts(stack, child), timeout=30)
    assert alert["source"] == "button"


def test_the_rest_channel_reads_a_slash_disclosure_too(stack: RunningStack) -> None:
    child = stack.new_sender()
    told = texts(stack.say(child, f"/affirm@1.0 {DISCLOSURE}", metadata={"home": "oak-house"}))
    assert "not in trouble" in told
    (alert,) = wait_for(lambda: _alerts(stack, child), timeout=30)
    assert alert["home_code"] == "oak-house"


# ---- the REST channel needs Rasa's token ----------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-token"}])
def test_the_rest_channel_refuses_callers_without_the_token(stack: RunningStack, headers: dict[str, str]) -> None:
    child = stack.new_sender()
    body = {"sender": child, "message": "/feel_unsafe", "metadata": {"home": "oak-house"}}
    status, answer, _ = _post(_no_cookies(), f"{stack.rasa_url}/webhooks/rest/webhook", body, headers)
    assert status == 401 and "RASA_AUTH_TOKEN" in answer["error"]
    assert _alerts(stack, child) == []


# ---- floods -----------------------------------------------------------------------------------


def test_a_flood_from_one_tablet_is_refused_after_its_burst_and_alerts_stay_bounded(stack: RunningStack) -> None:
    tablet = stack.new_tablet("flood-home")
    children = [stack.new_sender() for _ in range(TABLET_BURST + 15)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda child: _chat(stack, tablet, child, "/feel_unsafe"), children))
    elapsed = time.monotonic() - started
    statuses = [status for status, _, _ in answers]
    accepted = statuses.count(200)
    refused = [(answer, headers) for status, answer, headers in answers if status == 429]
    assert accepted + len(refused) == len(children)
    # The burst, plus what the bucket refilled while the flood ran (one every 3 s).
    assert accepted <= TABLET_BURST + elapsed * TABLET_PER_SECOND + 1
    assert refused, "no message was refused"
    answer, headers = refused[0]
    assert answer["code"] == "rate_limited" and int(headers["Retry-After"]) >= 1
    # Every alert comes from a message that was let through: no more "immediate" alerts than that.
    wait_for(lambda: len(_alerts(stack, *children)) == accepted, timeout=60)
    assert len(_alerts(stack, *children)) == accepted


# ---- sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 200 * 1024])
def test_oversized_bodies_get_413_with_a_reason(stack: RunningStack, size: int) -> None:
    child = stack.new_sender()
    padding = "x" * size
    body = {"sender": child, "message": "hello", "metadata": {"client_message_id": uuid.uuid4().hex}, "p": padding}
    status, answer, _ = _post(stack.tablet(), f"{stack.rasa_url}/chat/webhook", body)
    assert status == 413 and "too" in json.dumps(answer).lower()
    rest = {"sender": child, "message": "hello", "p": padding}
    bearer = {"Authorization": f"Bearer {stack.rasa_token}"}
    status, answer, _ = _post(_no_cookies(), f"{stack.rasa_url}/webhooks/rest/webhook", rest, bearer)
    assert status == 413 and "too" in json.dumps(answer).lower()
