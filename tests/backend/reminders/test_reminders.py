"""The daily reminder: per manager, overdue and due-soon cases, by email or a log line."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from asyncio.subprocess import PIPE
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.config import Settings, SmtpSettings
from backend.deadlines import local_date
from backend.reminders.job import send_reminders
from backend.reminders.schedule import seconds_until
from backend.timeutil import utcnow
from tests.backend.conftest import SERVICE_TOKEN, sql, submit
from tests.backend.notify.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def cases(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    make_staff: Callable[..., Awaitable[object]],
) -> dict[str, str]:
    """home-1 has an overdue complaint; home-2 has nothing due; managers for both."""
    overdue = (await submit(client, service_headers, home="home-1"))["reference"]
    await submit(client, service_headers, home="home-2", kind="compliment")
    past = (local_date(utcnow()) - timedelta(days=10)).isoformat()
    sql(settings, "UPDATE cases SET due_on = ? WHERE state = 'received' AND due_on IS NOT NULL", past)
    await make_staff("manager1", "manager", homes=("home-1",), email="m1@home.example")
    await make_staff("manager2", "manager", homes=("home-2",), email="m2@home.example")
    return {"overdue": overdue}


async def test_each_manager_gets_only_their_homes_cases_by_email(
    settings: Settings, db: async_sessionmaker, cases: dict[str, str], smtp: SmtpServer
) -> None:
    mail_server = SmtpSettings(host="127.0.0.1", port=smtp.port, security="none")
    sent = await send_reminders(db, dataclasses.replace(settings, smtp=mail_server), utcnow())
    assert [(r.username, r.overdue) for r in sent] == [("manager1", 1)]
    (mail,) = smtp.received
    assert mail.recipients == ["m1@home.example"]
    assert mail.message["Subject"] == "Complaints: 1 overdue, 0 due soon"
    body = mail.message.get_payload()
    assert cases["overdue"] in body and "OVERDUE" in body
    # References only: the child's words never leave the case page.
    assert "Staff took my phone" not in body
    assert ("system", "reminder_sent") in sql(settings, "SELECT actor_username, action FROM audit_log")


async def test_without_smtp_the_reminder_is_a_log_line(
    settings: Settings, db: async_sessionmaker, cases: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="backend.reminders.job"):
        sent = await send_reminders(db, settings, utcnow())
    assert len(sent) == 1
    assert "reminder for manager1: Complaints: 1 overdue" in caplog.text
    assert cases["overdue"] in caplog.text


async def test_reminders_command_runs_the_job(settings: Settings, cases: dict[str, str]) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    env.pop("SMTP_HOST", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backend", "reminders", cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "1 staff member(s)" in out.decode()
    assert cases["overdue"] in err.decode()  # the log line


def test_next_run_is_today_or_tomorrow_at_the_set_time_in_england() -> None:
    # 07:00 UTC in winter is 07:00 in London: 08:00 is an hour away.
    assert seconds_until(time(8, 0), datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == 3600
    # 07:30 UTC in summer is 08:30 BST: the next 08:00 is tomorrow.
    assert seconds_until(time(8, 0), datetime(2026, 7, 1, 7, 30, tzinfo=UTC)) == 23.5 * 3600
