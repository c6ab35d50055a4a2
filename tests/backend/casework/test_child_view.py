"""The child's words come from the step that put the case where it is: plain, no jargon, with the right date."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backend.casework.child_view import child_status, friendly_date, receipt_next_steps
from backend.casework.models import Case
from backend.casework.steps import STEPS
from backend.deadlines import WorkingCalendar
from backend.models import Submission

TODAY = date(2026, 11, 23)
JARGON = re.compile(r"stage|LADO|investigat|panel|escalat", re.IGNORECASE)


def case_at(kind: str, last_step: str, state: str, due_on: date | None, **fields: object) -> Case:
    return Case(
        submission=Submission(kind=kind, home_code="oak"),
        state=state,
        last_step=last_step,
        due_on=due_on,
        step_anchor_on=fields.pop("anchor", None),
        **fields,
    )


def test_stage1_says_the_manager_is_looking_and_when_to_expect_an_answer() -> None:
    words = child_status(case_at("complaint", "acknowledge", "stage1", date(2026, 12, 4)), TODAY)
    assert words.stage_for_child == "The manager is looking into it."
    assert words.next_step_for_child == "You should get an answer by Friday 4 December."
    assert words.due_date == date(2026, 12, 4)


def test_dates_next_year_include_the_year() -> None:
    assert friendly_date(date(2027, 1, 11), TODAY) == "Monday 11 January 2027"


@pytest.mark.parametrize("name", [name for name, step in STEPS.items() if step.child])
def test_no_step_uses_jargon_in_the_childs_view(name: str) -> None:
    for kind, words in (STEPS[name].child or {}).items():
        text = words.where + " " + words.next
        assert not JARGON.search(text), (kind, name, text)
        shown = child_status(case_at(kind, name, "stage1", date(2026, 12, 4)), TODAY)
        assert "{date}" not in shown.stage_for_child + shown.next_step_for_child


def test_an_overdue_step_says_sorry_instead_of_a_past_date() -> None:
    words = child_status(case_at("complaint", "acknowledge", "stage1", date(2026, 11, 20)), TODAY)
    assert "taking longer" in words.next_step_for_child
    assert "November" not in words.next_step_for_child


def test_withdrawn_and_passed_on_have_their_own_words() -> None:
    assert (
        "did not want to carry on"
        in child_status(case_at("complaint", "withdraw", "closed", None), TODAY).stage_for_child
    )
    assert "passed on" in child_status(case_at("compliment", "pass_on", "closed", None), TODAY).stage_for_child


def test_the_child_sees_the_outcome_and_the_answer_written_for_them() -> None:
    case = case_at(
        "complaint",
        "respond_stage1",
        "stage1_responded",
        None,
        outcome="partially_upheld",
        child_response="You can have your phone back at 8pm.",
        anchor=date(2026, 11, 20),
    )
    words = child_status(case, TODAY)
    assert words.outcome_for_child == "They agreed with some of your complaint."
    assert words.response_for_child == "You can have your phone back at 8pm."
    assert words.next_stage == "stage2"
    # More than 20 working days after the answer, staff decide: the chat no longer offers it.
    assert child_status(case, date(2027, 1, 4)).next_stage is None


def test_a_finished_complaint_tells_the_child_about_the_ombudsman_and_its_time_limit() -> None:
    words = child_status(case_at("complaint", "signpost_ombudsman", "closed", None), TODAY)
    assert "Ombudsman" in words.next_step_for_child and "12 months" in words.next_step_for_child


def test_the_receipt_gives_both_dates_from_the_step_table_across_christmas() -> None:
    text = receipt_next_steps("complaint", date(2026, 12, 22), WorkingCalendar(), date(2026, 12, 22))
    assert "Tuesday 29 December" in text and "Friday 8 January 2027" in text
    assert "Monday 11 January 2027" in receipt_next_steps("comment", date(2026, 12, 23), WorkingCalendar(), TODAY)
