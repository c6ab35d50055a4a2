"""Staff join a child's conversation through Rasa's HTTP API (a real local stand-in server), talk, hand back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert, AlertEvent
from backend.app import create_app
from backend.config import Settings
from backend.staff.models import AuditEntry
from tests.backend.alerts_support import RecordingHttpServer, post_alert, with_safeguarding
from tests.backend.conftest import login
from tests.backend.handoff.conftest import RASA_TOKEN

MakeStaff = Callable[..., Awaitable[object]]
CONVERSATION = "conv-abc-123"


async def _joined(client: TestClient, headers: dict[str, str], make_staff: MakeStaff, role: str = "safeguarding_lead"):
    receipt = await post_alert(client, headers)
    await make_staff("Jo", role)
    csrf = await login(client, "Jo")
    resp = await client.post(
        f"/staff/alerts/{receipt['alert_id']}/handoff/join", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"] == f"/staff/alerts/{receipt['alert_id']}/handoff"
    return receipt["alert_id"], csrf


async def _kinds(db: async_sessionmaker, alert_id: int) -> list[str]:
    async with db() as session:
        return list(
            await session.scalars(
                select(AlertEvent.kind).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
            )
        )


async def test_joining_pauses_the_bot_and_greets_the_child_as_a_person(
    handoff_client: TestClient,
    service_headers: dict[str, str],
    make_staff: MakeStaff,
    rasa: RecordingHttpServer,
    db: async_sessionmaker,
) -> None:
    alert_id, _ = await _joined(handoff_client, service_headers, make_staff)
    posted = [r for r in rasa.received if r.method == "POST"]
    assert len(posted) == 1
    assert posted[0].path == f"/conversations/{CONVERSATION}/tracker/events"
    assert posted[0].query == {"token": RASA_TOKEN}
    pause, hello = posted[0].body
    assert pause["event"] == "pause"
    assert hello == {
        "event": "bot",
        "text": "Hi, I'm Jo. I'm a person, not the bot. I'm here to help.",
        "metadata": {"from_staff": True, "staff_name": "Jo"},
    }
    async with db() as session:
        alert = await session.get(Alert, alert_id)
        audited = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(alert_id))))
    # A person is with the child: that acknowledges the alert.
    assert (alert.status, alert.acknowledged_by_name, alert.handoff_by_name) == ("acknowledged", "Jo", "Jo")
    assert await _kinds(db, alert_id) == ["created", "acknowledged", "handoff_started"]
    assert "alert.handoff_started" in audited


async def test_staff_messages_reach_the_conversation_and_the_childs_replies_are_shown_escaped(
    handoff_client: TestClient,
    service_headers: dict[str, str],
    make_staff: MakeStaff,
    rasa: RecordingHttpServer,
    db: async_sessionmaker,
) -> None:
    alert_id, csrf = await _joined(handoff_client, service_headers, make_staff)
    resp = await handoff_client.post(
        f"/staff/alerts/{alert_id}/handoff/send",
        data={"csrf_token": csrf, "text": "Are you somewhere safe right now?"},
        allow_redirects=False,
    )
    assert resp.status == 303
    last = rasa.received[-1]
    assert last.body == [
        {
            "event": "bot",
            "text": "Are you somewhere safe right now?",
            "metadata": {"from_staff": True, "staff_name": "Jo"},
        }
    ]
    rasa.child_says(CONVERSATION, "yes im in my room <script>alert(1)</script>")
    page = await (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff")).text()
    assert "Are you somewhere safe right now?" in page
    assert "yes im in my room &lt;script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Bot paused" in page
    poll = await (await handoff_client.get(f"/staff/alerts/{alert_id}/handoff/messages")).json()
    assert poll["paused"] is True
    assert [(line["speaker"], line["text"]) for line in poll["lines"]][-2:] == [
        ("staff", "Are you somewhere safe right now?"),
        ("child", "yes im in my room <script>alert(1)</script>"),
    ]
    assert "handoff_message" in await _kinds(db, alert_id)


async def test_handing_back_says_goodbye_then_resumes_the_bot(
    handoff_client: TestClient,
    service_headers: dict[str, str],
    make_staff: MakeStaff,
    rasa: RecordingHttpServer,
    db: async_sessionmaker,
) -> None:
    alert_id, csrf = await _joined(handoff_client, service_headers, make_staff)
    resp = await handoff_client.post(
        f"/staff/alerts/{alert_id}/handoff/leave", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    goodbye, resume = rasa.received[-1].body
    assert goodbye["metadata"] == {"from_staff": True, "staff_name": "Jo"}
    assert "the bot is back" in goodbye["text"]
    assert resume == {"event": "resume"}
    async with db() as session:
        assert (await session.get(Alert, alert_id)).handoff_by_name is None
    assert (await _kinds(db, alert_id))[-1] == "handoff_ended"


async def test_every_handoff_step_needs_the_csrf_token(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    alert_id, _ = await _joined(handoff_client, service_headers, make_staff)
    before = len(rasa.received)
    for step, data in (("send", {"text": "hello"}), ("leave", {}), ("join", {})):
        resp = await handoff_client.post(
            f"/staff/alerts/{alert_id}/handoff/{step}", data={**data, "csrf_token": "forged"}, allow_redirects=False
        )
        assert resp.status == 403, step
    assert len(rasa.received) == before


async def test_a_message_needs_a_joined_person_and_some_text(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    receipt = await post_alert(handoff_client, service_headers)
    await make_staff("Sam", "complaints_officer")
    csrf = await login(handoff_client, "Sam")
    url = f"/staff/alerts/{receipt['alert_id']}/handoff/send"
    resp = await handoff_client.post(url, data={"csrf_token": csrf, "text": "hi"})
    assert resp.status == 400
    assert "Join the conversation" in await resp.text()
    await handoff_client.post(f"/staff/alerts/{receipt['alert_id']}/handoff/join", data={"csrf_token": csrf})
    resp = await handoff_client.post(url, data={"csrf_token": csrf, "text": "   "})
    assert resp.status == 400
    resp = await handoff_client.post(url, data={"csrf_token": csrf, "text": "x" * 1001})
    assert resp.status == 400
    assert all("x" * 1001 not in str(r.body) for r in rasa.received)


async def test_the_auditor_cannot_join(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    receipt = await post_alert(handoff_client, service_headers)
    await make_staff("aud", "auditor")
    csrf = await login(handoff_client, "aud")
    resp = await handoff_client.post(
        f"/staff/alerts/{receipt['alert_id']}/handoff/join", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 403
    assert rasa.received == []


async def test_when_rasa_is_down_staff_are_told_and_nothing_is_recorded(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    service_headers: dict[str, str],
    make_staff: MakeStaff,
    db: async_sessionmaker,
) -> None:
    down = await RecordingHttpServer().start()
    url = down.url
    await down.stop()
    client = await aiohttp_client(create_app(with_safeguarding(settings, rasa_url=url)))
    receipt = await post_alert(client, service_headers)
    await make_staff("Jo", "safeguarding_lead")
    csrf = await login(client, "Jo")
    resp = await client.post(f"/staff/alerts/{receipt['alert_id']}/handoff/join", data={"csrf_token": csrf})
    assert resp.status == 502
    assert "Could not join the conversation" in await resp.text()
    assert "handoff_started" not in await _kinds(db, receipt["alert_id"])
    # Not joined, so not live: nobody may read the conversation.
    page = await client.get(f"/staff/alerts/{receipt['alert_id']}/handoff/messages")
    assert page.status == 403


async def test_a_second_person_cannot_take_over_a_live_handoff(
    handoff_client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff, rasa: RecordingHttpServer
) -> None:
    alert_id, _ = await _joined(handoff_client, service_headers, make_staff)
    await make_staff("Alex", "complaints_officer")
    csrf = await login(handoff_client, "Alex")
    before = len(rasa.received)
    resp = await handoff_client.post(f"/staff/alerts/{alert_id}/handoff/join", data={"csrf_token": csrf})
    assert resp.status == 409
    assert "Jo is already talking with the child" in await resp.text()
    assert len(rasa.received) == before


async def test_a_second_alert_from_the_same_child_leads_to_the_live_conversation(
    handoff_client: TestClient,
    service_headers: dict[str, str],
    make_staff: MakeStaff,
    rasa: RecordingHttpServer,
    db: async_sessionmaker,
) -> None:
    first_id, csrf = await _joined(handoff_client, service_headers, make_staff)
    second = await post_alert(handoff_client, service_headers, "second-alert-key")
    before = len(rasa.received)
    resp = await handoff_client.post(
        f"/staff/alerts/{second['alert_id']}/handoff/join", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"] == f"/staff/alerts/{first_id}/handoff"
    assert len(rasa.received) == before  # no second pause or greeting
    async with db() as session:
        assert (await session.get(Alert, second["alert_id"])).acknowledged_by_name == "Jo"
