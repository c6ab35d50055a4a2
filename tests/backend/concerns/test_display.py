"""How deadlines and turn times are put into words on the concern pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.concerns.display import due_state, span, turn_time
from backend.concerns.models import Concern

DUE = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=30), "0 min"),
        (timedelta(minutes=59), "59 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=3, minutes=10), "3 h 10 min"),
        (timedelta(hours=47, minutes=59), "47 h 59 min"),
        (timedelta(days=4, hours=5), "4 days"),
    ],
)
def test_durations_read_as_staff_say_them(delta: timedelta, words: str) -> None:
    assert span(delta) == words


@pytest.mark.parametrize(
    ("status", "now", "state"),
    [
        ("new", DUE - timedelta(hours=2), {"css": "due-soon", "text": "Due in 2 h"}),
        ("read", DUE + timedelta(minutes=25), {"css": "overdue", "text": "Overdue by 25 min"}),
        ("new", DUE, {"css": "overdue", "text": "Overdue by 0 min"}),
        ("closed", DUE + timedelta(days=3), None),
        ("escalated", DUE + timedelta(days=3), None),
    ],
)
def test_open_concerns_are_amber_until_due_then_red(status: str, now: datetime, state: dict | None) -> None:
    assert due_state(Concern(status=status, due_at=DUE), now) == state


def test_turn_times_are_uk_clock_times_to_the_minute() -> None:
    assert turn_time("2026-07-02T08:00:05+00:00") == "09:00"  # BST
    assert turn_time("2026-12-02T08:00:05+00:00") == "08:00"
    assert turn_time(None) == ""
    assert turn_time("not a time") == ""
