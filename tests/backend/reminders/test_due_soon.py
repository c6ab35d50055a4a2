""" "Due soon" is decided once (WorkingCalendar): the case list and the daily reminder agree,
also for a due date on a weekend or a bank holiday (dates checked by hand on a calendar)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.casework.models import Case
from backend.config import Settings
from backend.deadlines import DUE_SOON_WORKING_DAYS, WorkingCalendar
from backend.reminders.job import build_reminders
from backend.web.cases import due_info
from tests.backend.conftest import submit

CAL = WorkingCalendar()
WEDNESDAY = date(2026, 11, 25)  # then Thu 26, Fri 27: the two working days; Sat 28, Sun 29; Mon 30
BEFORE_EASTER = date(2027, 3, 23)  # a Tuesday: Wed 24, Thu 25; Good Friday 26 ... Easter Monday 29; Tue 30

# (today, due date, due soon?)
CASES = [
    pytest.param(WEDNESDAY, date(2026, 11, 27), True, id="the second working day"),
    pytest.param(WEDNESDAY, date(2026, 11, 28), True, id="the Saturday after it"),
    pytest.param(WEDNESDAY, date(2026, 11, 30), False, id="the third working day"),
    pytest.param(BEFORE_EASTER, date(2027, 3, 26), True, id="Good Friday after the second working day"),
    pytest.param(BEFORE_EASTER, date(2027, 3, 29), True, id="Easter Monday"),
    pytest.param(BEFORE_EASTER, date(2027, 3, 30), False, id="the third working day after Easter"),
]


def test_the_rule_is_two_working_days() -> None:
    # The ids above count on it.
    assert DUE_SOON_WORKING_DAYS == 2


@pytest.mark.parametrize(("today", "due", "soon"), CASES)
def test_the_calendar_and_the_case_list_agree(today: date, due: date, soon: bool) -> None:
    assert CAL.is_due_soon(due, today) is soon
    assert (due <= CAL.due_soon_until(today)) is soon
    shown = due_info(Case(due_on=due, state="stage1"), CAL, today)
    assert shown is not None
    assert (shown["css"] == "due-soon") is soon


def test_overdue_is_not_due_soon() -> None:
    assert not CAL.is_due_soon(date(2026, 11, 24), WEDNESDAY)
    assert CAL.is_due_soon(WEDNESDAY, WEDNESDAY)


@pytest.mark.parametrize(("today", "due", "soon"), CASES)
async def test_the_reminder_lists_the_same_cases(
    client: TestClient,
    service_headers: dict[str, str],
    settings: Settings,
    db: async_sessionmaker,
    make_staff: Callable[..., Awaitable[object]],
    today: date,
    due: date,
    soon: bool,
) -> None:
    await submit(client, service_headers, home="home-1")
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as conn:
        conn.execute("UPDATE cases SET due_on = ?", (due.isoformat(),))
    await make_staff("manager1", "manager", homes=("home-1",), email="m1@home.example")
    reminders = await build_reminders(db, settings, CAL, today)
    assert [r.due_soon for r in reminders] == ([1] if soon else [])
