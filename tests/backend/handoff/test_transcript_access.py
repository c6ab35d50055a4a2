"""The child's live conversation is read only by the member of staff who joined, only while they are in it.

Both the page and its polling JSON; every read (and every refused try) is in the audit log, and a
refused reader never causes the conversation to be fetched from Rasa at all. Rasa is a real
local stand-in server that keeps the events it is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.staff.models import AuditEntry
from tests.backend.alerts_support import RecordingHttpServer, post_alert
from tests.backend.conftest import login

MakeStaff = Callable[..., Awaitable[Any]]
CONVERSATION = "conv-abc-123"
CHILD_SAYS = "please dont tell anyone but i am scared of going home"


@pytest.fixture
async def alert_id(handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff) -> int:
    for username, role in (("jo", "safeguarding_lead"), ("alex", "complaints_officer"), ("aud", "auditor")):
        await make_staff(username, role)
    await make_staff("mgr", "manager", homes=("home-1",))
    return (await post_alert(handoff_client, service_headers))["alert_id"]


async def _join(client: TestClient, alert_id: int, username: str) -> str:
    csrf = await login(client, username)
    resp = await client.post(f"/staff/alerts/{alert_id}/handoff/join", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    return csrf


async def _reads(db: async_sessionmaker, username: str) -> list[tuple[str, str | None]]:
    async with db() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(
                AuditEntry.actor_username == username,
                AuditEntry.action.in_(("view_handoff", "read_handoff_messages")),
            )
            .order_by(AuditEntry.id)
        )
        return [(a, d) for a, d in rows.all()]


def _tracker_reads(rasa: RecordingHttpServer) -> int:
    return sum(1 for r in rasa.received if r.method == "GET" and r.path.endswith("/tracker"))


async def test_the_person_who_joined_reads_it_and_every_read_is_audited(
    handoff_client: TestClient, alert_id: int, rasa: RecordingHttpServer, db: async_sessionmaker
) -> None:
    await _join(handoff_client, alert_id, "jo")
    rasa.child_says(CONVERSATION, CHILD_SAYS)
    page = await handoff_client.get(f"/staff/alerts/{alert_id}/handoff")
    assert page.status == 200
    assert CHILD_SAYS in await page.text()
    for _ in range(3):
        poll = await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")
        assert poll.status == 200
        assert CHILD_SAYS in [line["text"] for line in (await poll.json())["lines"]]
    assert await _reads(db, "jo") == [("view_handoff", None), *[("read_handoff_messages", None)] * 3]


@pytest.mark.parametrize("other", ["alex", "mgr", "aud"])
async def test_nobody_else_reads_a_live_conversation(
    handoff_client: TestClient, alert_id: int, rasa: RecordingHttpServer, db: async_sessionmaker, other: str
) -> None:
    await _join(handoff_client, alert_id, "jo")
    rasa.child_says(CONVERSATION, CHILD_SAYS)
    await login(handoff_client, other)
    fetched = _tracker_reads(rasa)
    page = await handoff_client.get(f"/staff/alerts/{alert_id}/handoff")
    assert page.status == 403
    body = await page.text()
    assert "only the member of staff who joined this conversation can read it" in body
    assert CHILD_SAYS not in body
    poll = await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")
    assert poll.status == 403
    answer = await poll.json()
    assert answer["error"].startswith("only the member of staff who joined")
    assert CHILD_SAYS not in str(answer)
    assert _tracker_reads(rasa) == fetched  # refused before anything was read from Rasa
    assert await _reads(db, other) == [
        ("view_handoff", "refused: not theirs"),
        ("read_handoff_messages", "refused: not theirs"),
    ]
    # The alert page does not offer the conversation either.
    alert_page = await (await handoff_client.get(f"/staff/alerts/{alert_id}")).text()
    assert f'href="/staff/alerts/{alert_id}/handoff"' not in alert_page


async def test_nobody_reads_it_before_anyone_joins(
    handoff_client: TestClient, alert_id: int, rasa: RecordingHttpServer, db: async_sessionmaker
) -> None:
    rasa.child_says(CONVERSATION, CHILD_SAYS)
    await login(handoff_client, "jo")
    assert (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff")).status == 403
    assert (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")).status == 403
    assert _tracker_reads(rasa) == 0
    assert [d for _, d in await _reads(db, "jo")] == ["refused: not live", "refused: not live"]


async def test_the_person_who_joined_stops_reading_it_once_handed_back(
    handoff_client: TestClient, alert_id: int, rasa: RecordingHttpServer, db: async_sessionmaker
) -> None:
    csrf = await _join(handoff_client, alert_id, "jo")
    resp = await handoff_client.post(
        f"/staff/alerts/{alert_id}/handoff/leave", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    rasa.child_says(CONVERSATION, CHILD_SAYS)
    fetched = _tracker_reads(rasa)
    assert (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff")).status == 403
    assert (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")).status == 403
    assert _tracker_reads(rasa) == fetched


async def test_a_lead_can_still_hand_back_for_someone_without_reading_the_conversation(
    handoff_client: TestClient, alert_id: int, rasa: RecordingHttpServer
) -> None:
    await _join(handoff_client, alert_id, "alex")
    csrf = await login(handoff_client, "jo")
    page = await (await handoff_client.get(f"/staff/alerts/{alert_id}")).text()
    assert "Hand back to the bot for alex" in page
    resp = await handoff_client.post(
        f"/staff/alerts/{alert_id}/handoff/leave", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert rasa.received[-1].body[-1] == {"event": "resume"}
    assert _tracker_reads(rasa) == 0
