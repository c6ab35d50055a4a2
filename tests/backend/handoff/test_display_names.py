"""Children only ever see a display name: nothing the backend sends to Rasa carries a login name.

Joining, talking and handing back all go to a real local stand-in for Rasa's HTTP API, which
records every request (path, query and body) exactly as it arrived.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.auth import hash_password
from backend.models import StaffUser
from tests.backend.alerts_support import RecordingHttpServer, post_alert
from tests.backend.conftest import STAFF_PASSWORD, login

MakeStaff = Callable[..., Awaitable[Any]]
LOGIN_NAME = "s.taylor.sg"


def _everything_sent(rasa: RecordingHttpServer) -> str:
    return json.dumps([[r.method, r.path, r.query, r.body] for r in rasa.received])


async def _talk_and_leave(client: TestClient, alert_id: int, username: str) -> None:
    csrf = await login(client, username)
    for step, data in (("join", {}), ("send", {"text": "Are you safe right now?"}), ("leave", {})):
        resp = await client.post(
            f"/staff/alerts/{alert_id}/handoff/{step}", data={"csrf_token": csrf, **data}, allow_redirects=False
        )
        assert resp.status == 303, (step, await resp.text())


async def test_the_child_is_greeted_by_the_display_name_and_the_username_never_reaches_rasa(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    await make_staff(LOGIN_NAME, "safeguarding_lead", display_name="Sam T")
    alert_id = (await post_alert(handoff_client, service_headers))["alert_id"]
    await _talk_and_leave(handoff_client, alert_id, LOGIN_NAME)
    sent = _everything_sent(rasa)
    assert LOGIN_NAME not in sent
    hello = rasa.received[0].body[1]
    assert hello["text"] == "Hi, I'm Sam T. I'm a person, not the bot. I'm here to help."
    assert hello["metadata"]["staff_name"] == "Sam T"
    assert rasa.received[0].body[0]["metadata"]["staff_name"] == "Sam T"  # the pause event too
    assert all(r.body[0]["metadata"]["staff_name"] == "Sam T" for r in rasa.received[1:])
    # Staff, on the other hand, see precisely who it was.
    page = await (await handoff_client.get(f"/staff/alerts/{alert_id}")).text()
    assert f"Acknowledged by Sam T ({LOGIN_NAME})" in page


async def test_an_account_without_a_display_name_is_named_by_its_role(
    handoff_client: TestClient, service_headers: dict[str, str], db: async_sessionmaker, rasa: RecordingHttpServer
) -> None:
    async with db() as session:
        # As an account made before display names, or without one: the model's default.
        password_hash = hash_password(STAFF_PASSWORD)
        session.add(StaffUser(username=LOGIN_NAME, role="complaints_officer", password_hash=password_hash))
        await session.commit()
    alert_id = (await post_alert(handoff_client, service_headers))["alert_id"]
    await _talk_and_leave(handoff_client, alert_id, LOGIN_NAME)
    assert LOGIN_NAME not in _everything_sent(rasa)
    assert rasa.received[0].body[1]["text"].startswith("Hi, I'm the complaints officer. I'm a person")


async def test_two_people_with_the_same_display_name_are_still_two_people(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    """The handoff belongs to the account that joined, not to whoever shares its display name."""
    await make_staff("officer.one", "complaints_officer", display_name="the complaints officer")
    await make_staff("officer.two", "complaints_officer", display_name="the complaints officer")
    alert_id = (await post_alert(handoff_client, service_headers))["alert_id"]
    csrf = await login(handoff_client, "officer.one")
    await handoff_client.post(f"/staff/alerts/{alert_id}/handoff/join", data={"csrf_token": csrf})
    before = len(rasa.received)
    csrf = await login(handoff_client, "officer.two")
    resp = await handoff_client.post(
        f"/staff/alerts/{alert_id}/handoff/send", data={"csrf_token": csrf, "text": "I am someone else"}
    )
    assert resp.status == 400
    assert "Join the conversation" in await resp.text()
    assert (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")).status == 403
    assert len(rasa.received) == before
