"""An alert that names a concern (concern_key) shows the concern as turned into that alert, in either order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.models import Alert
from backend.concerns.models import BY_CHILD
from backend.staff.models import AuditEntry
from tests.backend.alerts_support import post_alert
from tests.backend.concerns.support import events, load, post_concern
from tests.backend.conftest import login

MakeStaff = Callable[..., Awaitable[object]]


async def test_the_childs_yes_turns_the_concern_into_the_alert(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    concern_id = (await post_concern(client, service_headers, "concern-key-0001"))["concern_id"]
    receipt = await post_alert(
        client, service_headers, "alert-key-0001", source="check_in", concern_key="concern-key-0001"
    )
    concern = await load(db, concern_id)
    async with db() as session:
        alert = await session.get(Alert, receipt["alert_id"])
    assert (concern.status, concern.alert_id, concern.escalated_by_name) == ("escalated", alert.id, BY_CHILD)
    assert concern.escalated_at == alert.received_at
    assert (alert.source, alert.concern_key) == ("check_in", "concern-key-0001")
    history = [(e.kind, e.actor_name, e.detail) for e in await events(db, concern_id)]
    assert history[-1] == ("turned_into_alert", BY_CHILD, f"alert #{alert.id}: the child answered the check-in")
    async with db() as session:
        audit = list(await session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "concern")))
    assert audit == ["concern.created", "concern.turned_into_alert"]


async def test_an_alert_that_arrives_first_is_linked_when_its_concern_arrives(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers, "alert-key-0002", source="check_in", concern_key="late-key-01")
    assert receipt["status"] == "new"  # the alert itself never waits for the concern
    created = await post_concern(client, service_headers, "late-key-01")
    assert created["status"] == "escalated"
    concern = await load(db, created["concern_id"])
    assert (concern.alert_id, concern.escalated_by_name) == (receipt["alert_id"], BY_CHILD)
    assert [e.kind for e in await events(db, concern.id)] == ["created", "turned_into_alert"]


async def test_a_concern_from_another_conversation_is_never_linked(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    concern_id = (await post_concern(client, service_headers, "concern-key-0003"))["concern_id"]
    await post_alert(client, service_headers, conversation_id="someone-else", concern_key="concern-key-0003")
    concern = await load(db, concern_id)
    assert (concern.status, concern.alert_id) == ("new", None)


async def test_a_second_alert_naming_the_same_concern_is_noted_but_the_first_link_stays(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    concern_id = (await post_concern(client, service_headers, "concern-key-0004"))["concern_id"]
    first = await post_alert(client, service_headers, "alert-key-0004", concern_key="concern-key-0004")
    second = await post_alert(client, service_headers, "alert-key-0005", concern_key="concern-key-0004")
    concern = await load(db, concern_id)
    assert concern.alert_id == first["alert_id"]
    assert [e.kind for e in await events(db, concern_id)][-1] == "named_by_alert"
    assert f"alert #{second['alert_id']}" in (await events(db, concern_id))[-1].detail


async def test_the_alert_page_says_how_it_was_raised_and_links_back_to_the_concern(
    client: TestClient, service_headers: dict[str, str], make_staff: MakeStaff
) -> None:
    concern_id = (await post_concern(client, service_headers, "concern-key-0006"))["concern_id"]
    receipt = await post_alert(client, service_headers, source="check_in", concern_key="concern-key-0006")
    await make_staff("lead", "safeguarding_lead")
    await login(client, "lead")
    page = await (await client.get(f"/staff/alerts/{receipt['alert_id']}")).text()
    assert "the child answered the check-in and wants to talk to someone" in page
    assert f'href="/staff/concerns/{concern_id}"' in page
    concern_page = await (await client.get(f"/staff/concerns/{concern_id}")).text()
    assert f'href="/staff/alerts/{receipt["alert_id"]}"' in concern_page
    assert "Turned into an alert" in concern_page
    assert "Turn into an alert</button>" not in concern_page


async def test_an_alert_naming_an_unknown_concern_is_still_stored(
    client: TestClient, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    receipt = await post_alert(client, service_headers, concern_key="never-arrives-1")
    async with db() as session:
        alert = await session.get(Alert, receipt["alert_id"])
    assert alert.concern_key == "never-arrives-1"
