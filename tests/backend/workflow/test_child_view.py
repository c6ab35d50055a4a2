"""The child's words come from the workflow state: plain, no jargon, with the right date."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backend.workflow.child_view import child_status, friendly_date
from backend.workflow.rules import State

TODAY = date(2026, 11, 23)
JARGON = re.compile(r"stage|LADO|ombudsman|investigat|panel|escalat", re.IGNORECASE)


def test_stage1_says_the_manager_is_looking_and_when_to_expect_an_answer() -> None:
    words = child_status("complaint", "stage1", date(2026, 12, 4), None, TODAY)
    assert words.stage_for_child == "The manager is looking into it."
    assert words.next_step_for_child == "You should get an answer by Friday 4 December."
    assert words.due_date == date(2026, 12, 4)


def test_dates_next_year_include_the_year() -> None:
    assert friendly_date(date(2027, 1, 11), TODAY) == "Monday 11 January 2027"


@pytest.mark.parametrize("state", [s.value for s in State])
def test_no_state_uses_jargon_in_the_childs_view(state: str) -> None:
    for kind in ("complaint", "comment", "compliment"):
        words = child_status(kind, state, date(2026, 12, 4), None, TODAY)
        text = words.stage_for_child + " " + words.next_step_for_child
        assert not JARGON.search(text), (kind, state, text)
        assert "{date}" not in text


def test_an_overdue_step_says_sorry_instead_of_a_past_date() -> None:
    words = child_status("complaint", "stage1", date(2026, 11, 20), None, TODAY)
    assert "taking longer" in words.next_step_for_child
    assert "November" not in words.next_step_for_child


def test_withdrawn_and_passed_on_have_their_own_words() -> None:
    assert "did not want to carry on" in child_status("complaint", "closed", None, "withdrawn", TODAY).stage_for_child
    assert "passed on" in child_status("compliment", "closed", None, None, TODAY).stage_for_child
