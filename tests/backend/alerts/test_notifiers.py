"""Email and webhook notifiers: what they carry, retries with backoff, every attempt recorded, restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.alerts.dispatch import backoff_seconds
from backend.alerts.models import AlertEvent, AlertNotification, NotificationAttempt
from backend.alerts.settings import safeguarding_from_env
from backend.app import create_app
from backend.config import Settings
from tests.backend.alerts_support import RecordingHttpServer, post_alert, with_safeguarding
from tests.backend.notify.smtp_server import SmtpServer
from tests.helpers import wait_for_async

Client = Callable[..., Awaitable[TestClient]]


async def _attempts(db: async_sessionmaker) -> list[NotificationAttempt]:
    async with db() as session:
        return list(await session.scalars(select(NotificationAttempt).order_by(NotificationAttempt.id)))


async def _notification(db: async_sessionmaker) -> AlertNotification:
    async with db() as session:
        return await session.scalar(select(AlertNotification))


async def test_a_failing_webhook_is_retried_with_growing_waits_and_each_attempt_recorded(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    hook = await RecordingHttpServer(fail_first=2).start()
    try:
        configured = with_safeguarding(settings, webhook_url=hook.url, retry_base_seconds=0.2)
        client = await aiohttp_client(create_app(configured))
        await post_alert(client, service_headers)
        await wait_for_async(lambda: len(hook.received) >= 3, within=5)
        await wait_for_async(lambda: _notification(db), within=2)
        gaps = [b.at - a.at for a, b in zip(hook.received, hook.received[1:], strict=False)]
        assert gaps[0] >= 0.2
        assert gaps[1] >= 0.4  # exponential: base, then 2 x base
        await wait_for_async(lambda: _sent(db), within=2)
        attempts = await _attempts(db)
        assert [(a.number, a.ok) for a in attempts] == [(1, False), (2, False), (3, True)]
        assert "HTTP 500" in attempts[0].error
    finally:
        await hook.stop()


async def _sent(db: async_sessionmaker) -> bool:
    note = await _notification(db)
    return note is not None and note.status == "sent"


async def test_after_the_last_attempt_the_failure_is_recorded_on_the_alert(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    hook = await RecordingHttpServer(fail_first=100).start()
    try:
        configured = with_safeguarding(settings, webhook_url=hook.url, retry_base_seconds=0.05, retry_attempts=3)
        client = await aiohttp_client(create_app(configured))
        receipt = await post_alert(client, service_headers)

        async def failed() -> bool:
            note = await _notification(db)
            return note is not None and note.status == "failed"

        await wait_for_async(failed, within=3)
        assert len(await _attempts(db)) == 3
        async with db() as session:
            event = await session.scalar(select(AlertEvent).where(AlertEvent.kind == "notify_failed"))
        assert event.alert_id == receipt["alert_id"]
        assert "gave up after 3 attempts" in event.detail
        assert hook.url not in event.detail  # a webhook URL may hold a secret
    finally:
        await hook.stop()


async def test_the_webhook_carries_no_childs_words(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str]
) -> None:
    hook = await RecordingHttpServer().start()
    try:
        client = await aiohttp_client(create_app(with_safeguarding(settings, webhook_url=hook.url)))
        receipt = await post_alert(client, service_headers)
        await wait_for_async(lambda: hook.received)
        body = hook.received[0].body
        assert body["alert_id"] == receipt["alert_id"]
        assert (body["home"], body["category"], body["severity"]) == ("home-1", "physical_abuse", "high")
        assert body["link"].endswith(f"/staff/alerts/{receipt['alert_id']}")
        text = str(body)
        for words in ("he hit me", "something bad", "conv-abc-123", "hit me"):
            assert words not in text
    finally:
        await hook.stop()


async def test_the_email_links_to_the_alert_without_the_childs_words(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str]
) -> None:
    smtp = await SmtpServer().start()
    try:
        configured = with_safeguarding(
            settings, smtp_port=smtp.port, notify_emails=("duty@home.example", "dsl@la.example")
        )
        client = await aiohttp_client(create_app(configured))
        receipt = await post_alert(client, service_headers)
        await wait_for_async(lambda: len(smtp.received) == 2)
        message = smtp.to("dsl@la.example")[0]
        assert message["Subject"] == f"Safeguarding alert #{receipt['alert_id']} - home-1 - high"
        body = message.get_payload(decode=True).decode()
        assert f"/staff/alerts/{receipt['alert_id']}" in body
        assert "physical abuse" in body
        assert "he hit me" not in body
    finally:
        await smtp.stop()


async def test_pending_notifications_are_sent_after_a_restart(
    settings: Settings, aiohttp_client: Client, service_headers: dict[str, str], db: async_sessionmaker
) -> None:
    smtp = await SmtpServer().start()
    port = smtp.port
    await smtp.stop()  # the mail server is down when the alert arrives
    configured = with_safeguarding(
        settings, smtp_port=port, notify_emails=("duty@home.example",), retry_base_seconds=0.1, retry_max_seconds=0.2
    )
    first = await aiohttp_client(create_app(configured))
    await post_alert(first, service_headers)
    await wait_for_async(lambda: _attempts(db), within=3)
    await first.close()
    assert (await _notification(db)).status == "pending"
    smtp = await SmtpServer(port=port).start()  # back on the same port
    try:
        second = await aiohttp_client(create_app(configured))  # noqa: F841 - running is the point
        await wait_for_async(lambda: smtp.to("duty@home.example"), within=3)
        assert len(smtp.received) == 1
        await wait_for_async(lambda: _sent(db), within=2)
    finally:
        await smtp.stop()


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 2, 30) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


def test_settings_from_environment() -> None:
    sg = safeguarding_from_env(
        {
            "ALERT_NOTIFY_EMAILS": "duty@home.example, dsl@la.example",
            "ALERT_WEBHOOK_URL": "https://chat.example/hook",
            "ALERT_ESCALATE_AFTER_SECONDS": "120",
            "ALERT_ESCALATION_LIST": "deputy@home.example,director@la.example",
            "RASA_URL": "http://127.0.0.1:5999",
            "RASA_AUTH_TOKEN": "tok",
            "SAFEGUARDING_CONFIG": "",  # no file
        }
    )
    assert sg.notify_emails == ("duty@home.example", "dsl@la.example")
    assert sg.webhook_url == "https://chat.example/hook"
    assert sg.escalate_after_seconds == 120
    assert [c.email for c in sg.escalation] == ["deputy@home.example", "director@la.example"]
    assert (sg.rasa_url, sg.rasa_token) == ("http://127.0.0.1:5999", "tok")


def test_defaults_escalate_after_five_minutes() -> None:
    assert safeguarding_from_env({"SAFEGUARDING_CONFIG": ""}).escalate_after_seconds == 300


def test_settings_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "safeguarding.yml"
    path.write_text(
        """
escalate_after_seconds: 240
notify_emails: [duty@home.example]
webhook: https://chat.example/hook
escalation:
  - {name: Deputy manager, email: deputy@home.example}
  - director@la.example
escalation_by_home:
  oak-house:
    - {name: Oak House manager, email: oak@home.example, webhook: https://chat.example/oak}
""",
        encoding="utf-8",
    )
    sg = safeguarding_from_env({"SAFEGUARDING_CONFIG": str(path)})
    assert sg.escalate_after_seconds == 240
    assert [c.label for c in sg.escalation] == ["Deputy manager", "director@la.example"]
    oak = sg.escalation_for("oak-house")
    assert (oak[0].email, oak[0].webhook_url) == ("oak@home.example", "https://chat.example/oak")
    assert sg.escalation_for("elm-house") == sg.escalation


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALERT_NOTIFY_EMAILS": "not-an-address"}, "not an email address"),
        ({"ALERT_WEBHOOK_URL": "ftp://x"}, "http(s) URL"),
        ({"ALERT_ESCALATE_AFTER_SECONDS": "0"}, "more than 0"),
        ({"ALERT_ESCALATE_AFTER_SECONDS": "soon"}, "number of seconds"),
        ({"SAFEGUARDING_CONFIG": "/no/such/file.yml"}, "does not exist"),
    ],
)
def test_a_wrong_setting_stops_start_up_with_the_reason(env: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        safeguarding_from_env({"SAFEGUARDING_CONFIG": ""} | env)
