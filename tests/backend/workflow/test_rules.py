"""Every workflow transition and its deadline, on in-memory cases (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from backend.deadlines import WorkingCalendar
from backend.workflow.models import Case
from backend.workflow.rules import StepInput, WorkflowError, apply, available_actions, initial_step

CAL = WorkingCalendar()
XMAS = date(2026, 12, 23)


def new_case(kind: str = "complaint", received: date = XMAS) -> Case:
    state, limit = initial_step(kind)
    return Case(
        state=state,
        received_on=received,
        step_anchor_on=received if limit else None,
        step_limit_days=limit,
        due_on=CAL.add_working_days(received, limit) if limit else None,
        stage1_extended=False,
        remedies=[],
        categories=[],
        staff_conduct=False,
    )


def step(case: Case, action: str, on: date, kind: str = "complaint", **fields: object):
    return apply(case, kind, action, StepInput(on=on, **fields), CAL, today=date(2027, 12, 31))


def respond(case: Case, action: str, on: date, outcome: str = "not_upheld"):
    return step(case, action, on, text_sent="Here is my answer", outcome=outcome, remedies=["explanation"])


def test_a_new_complaint_awaits_acknowledgement_within_3_working_days() -> None:
    case = new_case()
    assert case.state == "received"
    assert case.due_on == date(2026, 12, 30)
    assert available_actions("complaint", "received") == ["acknowledge", "withdraw", "classify", "record_lado"]


def test_comment_gets_10_days_and_compliment_has_no_deadline() -> None:
    assert new_case("comment").due_on == date(2027, 1, 11)
    assert new_case("compliment").due_on is None


def test_acknowledging_starts_stage1_due_10_working_days_from_receipt() -> None:
    case = new_case()
    result = step(case, "acknowledge", date(2026, 12, 24), text_sent="Thanks, I am looking into it", staff_conduct=True)
    assert (result.from_state, result.to_state) == ("received", "stage1")
    assert case.due_on == date(2027, 1, 11)
    assert case.staff_conduct is True
    assert result.text_sent == "Thanks, I am looking into it"


def test_acknowledgement_needs_the_text_sent() -> None:
    case = new_case()
    with pytest.raises(WorkflowError, match="acknowledgement"):
        step(case, "acknowledge", XMAS, text_sent="  ")
    assert case.state == "received"


def test_stage1_extension_to_20_days_needs_reason_and_agreement_and_happens_once() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok")
    with pytest.raises(WorkflowError, match="reason"):
        step(case, "extend_stage1", XMAS, agreed_with="child")
    with pytest.raises(WorkflowError, match="agreed"):
        step(case, "extend_stage1", XMAS, reason="staff member on leave")
    result = step(case, "extend_stage1", XMAS, reason="staff member on leave", agreed_with="the child")
    assert case.due_on == date(2027, 1, 25)
    assert result.details == {"reason": "staff member on leave", "agreed_with": "the child"}
    with pytest.raises(WorkflowError, match="already"):
        step(case, "extend_stage1", XMAS, reason="again", agreed_with="child")


def test_stage1_response_records_outcome_and_several_remedies() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok")
    result = step(
        case,
        "respond_stage1",
        date(2027, 1, 8),
        text_sent="We are sorry",
        outcome="partially_upheld",
        remedies=["apology", "change_of_practice"],
        learning="Explain phone rules at admission",
    )
    assert case.state == "stage1_responded"
    assert case.outcome == "partially_upheld"
    assert case.remedies == ["apology", "change_of_practice"]
    assert case.learning == "Explain phone rules at admission"
    assert case.due_on is None
    assert result.details["remedies"] == ["apology", "change_of_practice"]


def test_upheld_complaints_need_learning_and_outcomes_must_be_known() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok")
    with pytest.raises(WorkflowError, match="learning"):
        step(case, "respond_stage1", XMAS, text_sent="x", outcome="upheld")
    with pytest.raises(WorkflowError, match="outcome"):
        step(case, "respond_stage1", XMAS, text_sent="x", outcome="maybe")
    with pytest.raises(WorkflowError, match="remedy"):
        step(case, "respond_stage1", XMAS, text_sent="x", outcome="not_upheld", remedies=["cake"])
    step(case, "respond_stage1", XMAS, text_sent="x", outcome="resolution_meeting_offered")
    assert case.outcome == "resolution_meeting_offered"


def test_stage2_runs_25_days_from_the_agreed_statement_over_easter() -> None:
    case = new_case(received=date(2027, 3, 1))
    step(case, "acknowledge", date(2027, 3, 1), text_sent="ok")
    respond(case, "respond_stage1", date(2027, 3, 10))
    step(case, "request_stage2", date(2027, 3, 15), note="asked with her advocate")
    assert case.state == "stage2_requested"
    assert case.due_on is None
    with pytest.raises(WorkflowError, match="statement"):
        step(case, "agree_statement", date(2027, 3, 24))
    step(case, "agree_statement", date(2027, 3, 24), text_sent="1. Phone taken without reason")
    assert case.state == "stage2"
    assert case.due_on == date(2027, 4, 30)


def test_stage2_can_be_extended_up_to_65_days_but_not_beyond_or_backwards() -> None:
    case = new_case(received=date(2027, 3, 1))
    step(case, "acknowledge", date(2027, 3, 1), text_sent="ok")
    respond(case, "respond_stage1", date(2027, 3, 10))
    step(case, "request_stage2", date(2027, 3, 15))
    step(case, "agree_statement", date(2027, 3, 24), text_sent="statement")
    with pytest.raises(WorkflowError, match="65"):
        step(case, "extend_stage2", date(2027, 3, 25), limit_days=66, reason="complex")
    with pytest.raises(WorkflowError, match="reason"):
        step(case, "extend_stage2", date(2027, 3, 25), limit_days=40)
    step(case, "extend_stage2", date(2027, 3, 25), limit_days=40, reason="several witnesses")
    assert case.step_limit_days == 40
    assert case.due_on == CAL.add_working_days(date(2027, 3, 24), 40)
    with pytest.raises(WorkflowError, match="more than 40"):
        step(case, "extend_stage2", date(2027, 3, 25), limit_days=30, reason="shorter")
    step(case, "extend_stage2", date(2027, 3, 25), limit_days=65, reason="investigator ill")
    # 65 working days from 24 March 2027 skips Easter and the May bank holidays.
    assert case.due_on == date(2027, 6, 29)


def test_stage3_panel_report_response_then_ombudsman_across_christmas() -> None:
    case = new_case(received=date(2026, 9, 1))
    step(case, "acknowledge", date(2026, 9, 2), text_sent="ok")
    respond(case, "respond_stage1", date(2026, 9, 10))
    step(case, "request_stage2", date(2026, 9, 14))
    step(case, "agree_statement", date(2026, 9, 21), text_sent="statement")
    respond(case, "respond_stage2", date(2026, 10, 20))
    assert case.state == "stage2_responded"

    step(case, "request_stage3", date(2026, 12, 1))
    assert (case.state, case.due_on) == ("stage3_requested", date(2027, 1, 15))
    step(case, "panel_held", date(2027, 1, 15), note="panel of three")
    assert (case.state, case.due_on) == ("stage3_panel_held", date(2027, 1, 22))
    with pytest.raises(WorkflowError, match="report"):
        step(case, "panel_report", date(2027, 1, 22))
    step(case, "panel_report", date(2027, 1, 22), text_sent="Panel recommends an apology")
    assert (case.state, case.due_on) == ("stage3_reported", date(2027, 2, 12))
    respond(case, "respond_stage3", date(2027, 2, 10), outcome="not_upheld")
    assert case.state == "stage3_responded"
    result = step(case, "signpost_ombudsman", date(2027, 2, 10), text_sent="You can ask the Ombudsman")
    assert case.state == "closed"
    assert result.ombudsman and result.closes


def test_child_satisfied_after_stage1_closes_the_case() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok")
    respond(case, "respond_stage1", date(2027, 1, 5))
    with pytest.raises(WorkflowError, match="why"):
        step(case, "close", date(2027, 1, 6))
    step(case, "close", date(2027, 1, 6), note="child happy with the answer")
    assert case.state == "closed"


@pytest.mark.parametrize("at", ["received", "stage1", "stage2_requested", "stage3_reported"])
def test_a_complaint_can_be_withdrawn_at_any_open_stage(at: str) -> None:
    case = new_case()
    case.state = at
    result = step(case, "withdraw", XMAS, note="said so in person")
    assert (case.state, case.outcome, case.due_on) == ("closed", "withdrawn", None)
    assert result.closes


def test_steps_out_of_order_are_refused() -> None:
    case = new_case()
    for action in ("respond_stage1", "request_stage2", "agree_statement", "panel_held", "signpost_ombudsman", "close"):
        with pytest.raises(WorkflowError, match="not possible"):
            step(case, action, XMAS, text_sent="x", outcome="upheld", learning="x", note="x")
    assert case.state == "received"
    with pytest.raises(WorkflowError, match="not a step"):
        step(case, "pass_on", XMAS, shared_with="Sam")


def test_step_dates_cannot_be_in_the_future_or_before_receipt() -> None:
    case = new_case()
    with pytest.raises(WorkflowError, match="future"):
        apply(case, "complaint", "acknowledge", StepInput(on=date(2027, 1, 2), text_sent="x"), CAL, date(2027, 1, 1))
    with pytest.raises(WorkflowError, match="before"):
        step(case, "acknowledge", date(2026, 12, 22), text_sent="x")


def test_categories_and_staff_conduct_flag_can_be_updated_at_any_time() -> None:
    case = new_case()
    step(case, "classify", XMAS, categories=["staff_attitude", "money"], staff_conduct=True)
    assert case.categories == ["staff_attitude", "money"]
    assert case.staff_conduct is True
    with pytest.raises(WorkflowError, match="category"):
        step(case, "classify", XMAS, categories=["aliens"])
    step(case, "record_lado", XMAS, decision="Discussed with LADO 24/12: no referral")
    assert case.lado_decision == "Discussed with LADO 24/12: no referral"


def test_comment_response_and_compliment_passed_on_fill_the_feedback_log() -> None:
    comment = new_case("comment")
    step(
        comment,
        "respond_comment",
        XMAS,
        kind="comment",
        text_sent="Good idea, we will try it",
        shared_with="house meeting",
        shared_how="discussed",
        change_in_practice="Film night moved to Friday",
    )
    assert (comment.state, comment.change_in_practice) == ("closed", "Film night moved to Friday")

    compliment = new_case("compliment")
    with pytest.raises(WorkflowError, match="passed on to"):
        step(compliment, "pass_on", XMAS, kind="compliment")
    result = step(compliment, "pass_on", XMAS, kind="compliment", shared_with="Sam (keyworker)", shared_how="in person")
    assert result.passed_on
    assert (compliment.state, compliment.shared_with) == ("closed", "Sam (keyworker)")
    step(compliment, "record_feedback", XMAS, kind="compliment", change_in_practice="Shared at team meeting")
    assert compliment.change_in_practice == "Shared at team meeting"


def test_the_staff_attitude_category_always_flags_for_lado_consideration() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok", categories=["staff_attitude"])
    assert case.staff_conduct is True
    other = new_case()
    step(other, "classify", XMAS, categories=["staff_attitude"], staff_conduct=False)
    assert other.staff_conduct is True
