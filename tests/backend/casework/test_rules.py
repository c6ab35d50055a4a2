"""Every workflow transition and its deadline, on in-memory cases (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from backend.casework.models import Case
from backend.casework.rules import StepInput, WorkflowError, apply, available_actions, initial_step
from backend.deadlines import WorkingCalendar

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
        route="statutory",
        last_step="receive",
        panel_members=[],
    )


def step(case: Case, action: str, on: date, kind: str = "complaint", **fields: object):
    return apply(case, kind, action, StepInput(on=on, **fields), CAL, today=date(2027, 12, 31))


def respond(case: Case, action: str, on: date, outcome: str = "not_upheld"):
    return step(
        case,
        action,
        on,
        text_sent="Here is my answer",
        child_response="We looked into it.",
        outcome=outcome,
        remedies=["explanation"],
    )


STAGE2_PEOPLE = {"investigating_officer": "A. Khan", "independent_person": "B. Lowe", "advocate_offered": True}
PANEL = ["C. Chair", "D. Member", "E. Member"]


def test_a_new_complaint_awaits_acknowledgement_within_3_working_days() -> None:
    case = new_case()
    assert case.state == "received"
    assert case.due_on == date(2026, 12, 30)
    assert available_actions("complaint", case) == [
        "acknowledge",
        "resolve_informally",
        "not_accept",
        "withdraw",
        "classify",
        "route_staff_conduct",
        "record_lado",
        "record_ombudsman_enquiry",
    ]


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
        child_response="You were right about the phone.",
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
    assert (result.outcome_stage, result.working_days) == ("stage1", 9)
    assert case.child_response == "You were right about the phone."


def test_upheld_complaints_need_learning_and_outcomes_must_be_known() -> None:
    case = new_case()
    step(case, "acknowledge", XMAS, text_sent="ok")
    with pytest.raises(WorkflowError, match="learning"):
        step(case, "respond_stage1", XMAS, text_sent="x", child_response="y", outcome="upheld")
    with pytest.raises(WorkflowError, match="outcome"):
        step(case, "respond_stage1", XMAS, text_sent="x", child_response="y", outcome="maybe")
    with pytest.raises(WorkflowError, match="remedy"):
        step(case, "respond_stage1", XMAS, text_sent="x", child_response="y", outcome="not_upheld", remedies=["cake"])
    with pytest.raises(WorkflowError, match="plain words"):
        step(case, "respond_stage1", XMAS, text_sent="x", outcome="not_upheld")
    step(case, "respond_stage1", XMAS, text_sent="x", child_response="y", outcome="resolution_meeting_offered")
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
    with pytest.raises(WorkflowError, match="independent person"):
        step(case, "agree_statement", date(2027, 3, 24), text_sent="1. Phone", investigating_officer="A. Khan")
    with pytest.raises(WorkflowError, match="advocate"):
        step(case, "agree_statement", date(2027, 3, 24), text_sent="1.", **{**STAGE2_PEOPLE, "advocate_offered": False})
    step(case, "agree_statement", date(2027, 3, 24), text_sent="1. Phone taken without reason", **STAGE2_PEOPLE)
    assert (case.investigating_officer, case.independent_person) == ("A. Khan", "B. Lowe")
    assert case.state == "stage2"
    assert case.due_on == date(2027, 4, 30)


def test_stage2_can_be_extended_up_to_65_days_but_not_beyond_or_backwards() -> None:
    case = new_case(received=date(2027, 3, 1))
    step(case, "acknowledge", date(2027, 3, 1), text_sent="ok")
    respond(case, "respond_stage1", date(2027, 3, 10))
    step(case, "request_stage2", date(2027, 3, 15))
    step(case, "agree_statement", date(2027, 3, 24), text_sent="statement", **STAGE2_PEOPLE)
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
    step(case, "agree_statement", date(2026, 9, 21), text_sent="statement", **STAGE2_PEOPLE)
    respond(case, "respond_stage2", date(2026, 10, 20))
    assert case.state == "stage2_responded"

    with pytest.raises(WorkflowError, match="reason for accepting"):
        step(case, "request_stage3", date(2026, 12, 1))
    step(case, "request_stage3", date(2026, 12, 1), discretion="advocate was ill; the child asked in time by phone")
    assert (case.state, case.due_on) == ("stage3_requested", date(2027, 1, 15))
    with pytest.raises(WorkflowError, match="three"):
        step(case, "panel_held", date(2027, 1, 15), panel_members=PANEL[:2])
    step(case, "panel_held", date(2027, 1, 15), panel_members=PANEL)
    assert case.panel_members == PANEL
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
    step(case, "close", date(2027, 1, 6), note="child happy with the answer", text_sent="The Ombudsman ...")
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
            step(case, action, XMAS, text_sent="x", child_response="y", outcome="upheld", learning="x", note="x")
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


def test_each_stage_keeps_its_own_finding_and_working_days() -> None:
    case = new_case(received=date(2027, 3, 1))
    step(case, "acknowledge", date(2027, 3, 1), text_sent="ok")
    first = respond(case, "respond_stage1", date(2027, 3, 10), outcome="not_upheld")
    step(case, "request_stage2", date(2027, 3, 15))
    step(case, "agree_statement", date(2027, 3, 24), text_sent="statement", **STAGE2_PEOPLE)
    second = step(
        case,
        "respond_stage2",
        date(2027, 4, 21),
        text_sent="letter",
        child_response="We agree now.",
        outcome="upheld",
        learning="Check phone rules",
    )
    assert (first.outcome_stage, first.working_days) == ("stage1", 7)
    # 24 March to 21 April 2027: Good Friday and Easter Monday are not working days.
    assert (second.outcome_stage, second.working_days, second.details["outcome"]) == ("stage2", 18, "upheld")


def test_a_stage2_request_after_20_working_days_needs_a_recorded_discretion() -> None:
    case = new_case(received=date(2027, 3, 1))
    step(case, "acknowledge", date(2027, 3, 1), text_sent="ok")
    respond(case, "respond_stage1", date(2027, 3, 10))
    # 20 working days after 10 March 2027 is 9 April (Easter Friday and Monday are not working days).
    assert step(new_copy(case), "request_stage2", date(2027, 4, 9)).details["request_by"] == "2027-04-09"
    with pytest.raises(WorkflowError, match="09 April 2027"):
        step(case, "request_stage2", date(2027, 4, 12))
    result = step(case, "request_stage2", date(2027, 4, 12), discretion="was in hospital")
    assert result.details["discretion"] == "was in hospital"


def new_copy(case: Case) -> Case:
    copy = new_case(received=case.received_on)
    for name in ("state", "step_anchor_on", "step_limit_days", "due_on", "last_step"):
        setattr(copy, name, getattr(case, name))
    return copy


@pytest.mark.parametrize("reason", ["court_proceedings", "staff_disciplinary", "other_agency", "over_12_months"])
def test_a_complaint_not_accepted_keeps_the_reason_and_stops_the_clock(reason: str) -> None:
    case = new_case()
    with pytest.raises(WorkflowError, match="why the complaint is not accepted"):
        step(case, "not_accept", XMAS, note="x", text_sent="x", child_response="y")
    result = step(
        case, "not_accept", XMAS, reason_code=reason, note="in full", text_sent="letter", child_response="Sorry"
    )
    assert (case.state, case.outcome, case.not_accepted_reason, case.due_on) == (
        "closed",
        "not_accepted",
        reason,
        None,
    )
    assert result.ombudsman and result.outcome_stage == "stage1"


def test_informal_resolution_is_its_own_route_and_can_become_a_complaint() -> None:
    case = new_case()
    step(case, "resolve_informally", XMAS, note="the child agreed on the phone")
    assert (case.state, case.route, case.due_on) == ("informal", "informal", date(2027, 1, 11))
    assert "make_complaint" in available_actions("complaint", case)
    respond(case, "respond_informal", date(2027, 1, 5))
    assert (case.state, case.route) == ("closed", "informal")
    result = step(case, "make_complaint", date(2027, 1, 11), note="not happy with the answer")
    assert (case.state, case.route, case.received_on, case.due_on) == (
        "received",
        "statutory",
        date(2027, 1, 11),
        date(2027, 1, 14),
    )
    assert result.new_kind == "complaint"
    assert "make_complaint" not in available_actions("complaint", case)


def test_a_comment_becomes_a_complaint_with_the_same_record() -> None:
    comment = new_case("comment")
    result = step(comment, "make_complaint", date(2027, 1, 4), kind="comment", note="asked on the tablet")
    assert (result.new_kind, comment.state, comment.last_step) == ("complaint", "received", "make_complaint")


def test_a_complaint_about_staff_is_handled_by_someone_else() -> None:
    case = new_case()
    with pytest.raises(WorkflowError, match="never handled by that person"):
        step(case, "route_staff_conduct", XMAS, subject_staff="J. Smith", handler="j. smith")
    step(case, "route_staff_conduct", XMAS, subject_staff="J. Smith (manager)", handler="K. Patel", about_manager=True)
    assert (case.staff_conduct, case.about_manager, case.handler) == (True, True, "K. Patel")
    step(
        case,
        "record_lado",
        XMAS,
        decision="Referred",
        lado_referred_on=date(2026, 12, 23),
        ofsted_notified_on=date(2026, 12, 23),
    )
    assert case.lado_referred_on == date(2026, 12, 23)
