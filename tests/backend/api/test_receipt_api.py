"""The submission receipt's "what happens next": real dates from the step table, for the child."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from backend.casework.child_view import friendly_date
from backend.casework.steps import STEPS, Clock
from backend.deadlines import WorkingCalendar, local_date
from backend.timeutil import utcnow
from tests.backend.conftest import submit


def _due(step: str, kind: str = "complaint") -> str:
    clock = STEPS[step].clock_for(kind)
    assert isinstance(clock, Clock)
    today = local_date(utcnow())
    return friendly_date(WorkingCalendar().add_working_days(today, clock.days), today)


@pytest.mark.parametrize("anonymous", [True, False])
async def test_a_complaint_receipt_says_by_when_it_is_acknowledged_and_answered(
    anonymous: bool, client: TestClient, service_headers: dict[str, str]
) -> None:
    receipt = await submit(client, service_headers, anonymous=anonymous, first_name=None if anonymous else "Sam")
    text = receipt["what_happens_next"]
    assert f"by {_due('receive')}" in text
    assert f"answer by {_due('acknowledge')}" in text
    assert not re.search(r"\d+ working days", text)  # dates, not a count of days to work out


async def test_a_comment_and_a_thank_you_have_their_own_next_steps(
    client: TestClient, service_headers: dict[str, str]
) -> None:
    comment = await submit(client, service_headers, kind="comment")
    thanks = await submit(client, service_headers, kind="compliment", about_whom="Sam")
    assert f"hear back by {_due('receive', 'comment')}" in comment["what_happens_next"]
    assert "pass your thanks on" in thanks["what_happens_next"]


async def test_a_repeated_send_gets_the_same_dates(client: TestClient, service_headers: dict[str, str]) -> None:
    first = await submit(client, service_headers, idempotency_key="same-key-123")
    again = await submit(client, service_headers, idempotency_key="same-key-123")
    assert again["reference"] == first["reference"]
    assert again["what_happens_next"] == first["what_happens_next"]
