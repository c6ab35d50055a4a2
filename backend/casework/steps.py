"""The step table: the spine of casework.

Each step says, once: its label, which kinds of record, routes and states it applies to, the
form fields staff fill in, the clock it starts (its timescale), what the child is told once it
is done, and its handler (the checks and changes that are particular to it). `rules.apply()`,
the staff forms (backend/web/cases.py, case.html), the child's view and the receipt's "what
happens next" (child_view.py) all read this table; nothing else restates a timescale.

Sources: Children Act 1989 Representations Procedure (England) Regulations 2006 as in
seeds 003 (procedure) and 001 (annual report, section 2), and DESIGN.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from backend.casework import timescales as days
from backend.casework.models import Case
from backend.casework.vocab import (
    CATEGORIES,
    FINDINGS,
    NOT_ACCEPTED_REASONS,
    OPEN_STATES,
    REMEDIES,
    STAFF_CATEGORY,
    UPHELD,
    State,
)
from backend.deadlines import WorkingCalendar


class WorkflowError(ValueError):
    """The step is not allowed now, or its form is incomplete. The message is shown to staff."""


@dataclass
class StepInput:
    """Everything a staff form can send; each step reads the fields it lists."""

    on: date
    text_sent: str = ""
    child_response: str = ""
    note: str = ""
    outcome: str = ""
    remedies: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    learning: str = ""
    reason: str = ""
    reason_code: str = ""
    agreed_with: str = ""
    discretion: str = ""
    limit_days: int | None = None
    staff_conduct: bool = False
    shared_with: str = ""
    shared_how: str = ""
    change_in_practice: str = ""
    decision: str = ""
    investigating_officer: str = ""
    independent_person: str = ""
    advocate_offered: bool = False
    panel_members: list[str] = field(default_factory=list)
    subject_staff: str = ""
    about_manager: bool = False
    handler: str = ""
    lado_referred_on: date | None = None
    ofsted_notified_on: date | None = None


@dataclass(frozen=True)
class Field:
    """A form field: its name in StepInput, the label staff read, whether the step needs it."""

    name: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class Clock:
    """The deadline a step starts: `days` working days after its anchor.

    anchor "received": the day the case was received (Stage 1 runs from then);
    "on": the day the step happened; "same": the current step's anchor (an extension).
    `max_days`: staff choose the limit (up to this) in the form's limit_days.
    """

    days: int
    anchor: str = "on"
    max_days: int | None = None


# A step's clock: a Clock starts one, STOP clears the deadline, KEEP (the default) leaves it.
STOP = "stop"
KEEP = "keep"


@dataclass(frozen=True)
class ChildWords:
    """What the child is told once a step is done: where it is, and what happens next.

    "{date}" in `next` is the new deadline, in words ("Friday 8 January").
    """

    where: str
    next: str


@dataclass
class StepContext:
    """What a handler works with; it records what the timeline should show in `details`."""

    case: Case
    kind: str
    data: StepInput
    calendar: WorkingCalendar
    details: dict[str, Any]
    text_sent: str | None
    note: str | None
    # Set by a handler: a finding to keep (CaseOutcome) and a kind change (comment -> complaint).
    outcome_stage: str | None = None
    new_kind: str | None = None


Handler = Callable[[StepContext], None]


@dataclass(frozen=True)
class Step:
    name: str
    label: str  # the form's title and button
    done: str  # the timeline's line, past tense
    kinds: tuple[str, ...]
    states: tuple[str, ...]
    fields: tuple[Field, ...] = ()
    handler: Handler | None = None
    to_state: str | None = None  # None: the state does not change
    clock: Clock | str = KEEP
    child: dict[str, ChildWords] | None = None  # by kind; None: what the child is told does not change
    routes: tuple[str, ...] = ("statutory",)
    primary: bool = False  # the step that keeps a case moving is shown open
    closes: bool = False
    ombudsman: bool = False  # the text sent signposts the Ombudsman
    extra_roles: tuple[str, ...] = ()  # besides manager and complaints officer
    # A further condition on the case, where kind, route and state are not enough.
    when: Callable[[Case, str], bool] | None = None
    # A different clock for some kinds (a comment's answer is due later than a complaint's acknowledgement).
    kind_clocks: dict[str, Clock | str] | None = None

    def clock_for(self, kind: str) -> Clock | str:
        return (self.kind_clocks or {}).get(kind, self.clock)

    def applies_to(self, case: Case, kind: str) -> bool:
        return (
            kind in self.kinds
            and case.state in self.states
            and (case.route or "statutory") in self.routes
            and (self.when is None or self.when(case, kind))
        )


# --- Form fields (one definition each; steps pick them) ---

ON = Field("on", "Date it happened")
LETTER = Field("text_sent", "Response sent to the complainant (letter or email)")
FOR_CHILD = Field("child_response", "What the child is told, in plain words (they see this when they check)")
OUTCOME = Field("outcome", "Outcome")
REMEDY = Field("remedies", "Remedies (choose all that apply)", required=False)
LEARNING = Field("learning", "Learning (required if upheld or partially upheld)", required=False)
HOW_ASKED = Field("note", "How the child asked (and who helped)", required=False)
DISCRETION = Field(
    "discretion",
    f"Asked more than {days.NEXT_STAGE_REQUEST_DAYS} working days after the response: why it is accepted",
    required=False,
)
CATEGORIES_FIELD = Field("categories", "Issue categories", required=False)
STAFF_FLAG = Field("staff_conduct", "About a staff member's conduct (staff-conduct route)", required=False)
SHARED_WITH = Field("shared_with", "Shared with (who)", required=False)
SHARED_HOW = Field("shared_how", "How it was shared", required=False)
CHANGE = Field("change_in_practice", "Change in practice that followed", required=False)


# --- Handlers: the checks and changes particular to a step ---


def _require(value: str, what: str) -> str:
    if not value.strip():
        raise WorkflowError(f"{what} is required")
    return value.strip()


def _categories(values: list[str]) -> list[str]:
    bad = [c for c in values if c not in CATEGORIES]
    if bad:
        raise WorkflowError(f"unknown issue category: {', '.join(bad)}")
    return list(dict.fromkeys(values))


def _finding(ctx: StepContext, stage: str) -> None:
    """A response with its finding: kept per stage, never overwritten by the next one."""
    data, case = ctx.data, ctx.case
    ctx.text_sent = _require(data.text_sent, "the response sent to the complainant")
    case.child_response = _require(data.child_response, "what the child is told, in plain words")
    if data.outcome not in FINDINGS:
        raise WorkflowError("choose an outcome")
    bad = [r for r in data.remedies if r not in REMEDIES]
    if bad:
        raise WorkflowError(f"unknown remedy: {', '.join(bad)}")
    learning = data.learning.strip() or None
    if data.outcome in UPHELD and not learning:
        raise WorkflowError("record the learning for an upheld or partially upheld complaint")
    case.outcome, case.remedies = data.outcome, list(dict.fromkeys(data.remedies))
    case.learning = learning or case.learning
    ctx.details.update(outcome=case.outcome, remedies=case.remedies)
    ctx.outcome_stage = stage


def _acknowledge(ctx: StepContext) -> None:
    case = ctx.case
    ctx.text_sent = _require(ctx.data.text_sent, "the acknowledgement sent to the complainant")
    case.categories = _categories(ctx.data.categories) or case.categories or []
    case.staff_conduct = bool(case.staff_conduct or ctx.data.staff_conduct or STAFF_CATEGORY in case.categories)
    ctx.details["staff_conduct"] = case.staff_conduct


def _extend_stage1(ctx: StepContext) -> None:
    if ctx.case.stage1_extended:
        raise WorkflowError(f"Stage 1 has already been extended to {days.STAGE1_EXTENDED_DAYS} working days")
    ctx.details["reason"] = _require(ctx.data.reason, "the reason for the extension")
    ctx.details["agreed_with"] = _require(ctx.data.agreed_with, "who agreed to the extension")
    ctx.case.stage1_extended = True


def _next_stage_request(ctx: StepContext) -> None:
    """Within 20 working days of the response, or later with a recorded discretion."""
    responded = ctx.case.step_anchor_on
    if responded is None:
        return
    last_day = ctx.calendar.add_working_days(responded, days.NEXT_STAGE_REQUEST_DAYS)
    ctx.details["request_by"] = last_day.isoformat()
    if ctx.data.on > last_day:
        ctx.details["discretion"] = _require(
            ctx.data.discretion,
            f"the request came after {last_day:%d %B %Y} ({days.NEXT_STAGE_REQUEST_DAYS} working days after the "
            "response): the reason for accepting it",
        )


def _agree_statement(ctx: StepContext) -> None:
    case, data = ctx.case, ctx.data
    ctx.text_sent = _require(data.text_sent, "the agreed statement of complaint")
    case.investigating_officer = _require(data.investigating_officer, "the investigating officer")
    case.independent_person = _require(data.independent_person, "the independent person")
    if case.investigating_officer.casefold() == case.independent_person.casefold():
        raise WorkflowError("the independent person must be someone other than the investigating officer")
    if not data.advocate_offered:
        raise WorkflowError("offer the child an advocate again (or record that they already have one)")
    case.advocacy_offered = True
    ctx.details.update(
        investigating_officer=case.investigating_officer,
        independent_person=case.independent_person,
        advocate_offered=True,
    )


def _extend_stage2(ctx: StepContext) -> None:
    limit, current = ctx.data.limit_days, ctx.case.step_limit_days or days.STAGE2_DAYS
    if limit is None or not current < limit <= days.STAGE2_MAX_DAYS:
        raise WorkflowError(
            f"the new limit must be more than {current} and at most {days.STAGE2_MAX_DAYS} working days"
        )
    ctx.details["reason"] = _require(ctx.data.reason, "the reason for the extension")
    ctx.details["limit_days"] = limit


def _panel_held(ctx: StepContext) -> None:
    members = [m.strip() for m in ctx.data.panel_members if m.strip()]
    if len(members) != 3:
        raise WorkflowError("a review panel is three independent people: give all three names, the chair first")
    if len({m.casefold() for m in members}) != 3:
        raise WorkflowError("the three panel members must be three different people")
    ctx.case.panel_members = members
    ctx.details["panel"] = members


def _panel_report(ctx: StepContext) -> None:
    ctx.text_sent = _require(ctx.data.text_sent, "the panel's report (or its summary)")


def _signpost(ctx: StepContext) -> None:
    ctx.text_sent = _require(ctx.data.text_sent, "the Ombudsman signposting sent to the complainant")


def _close(ctx: StepContext) -> None:
    ctx.note = _require(ctx.data.note, "why the case is closed")
    ctx.text_sent = _require(ctx.data.text_sent, "the closing letter, with how to go to the Ombudsman")


def _withdraw(ctx: StepContext) -> None:
    ctx.note = _require(ctx.data.note, "how the complaint was withdrawn")
    # Withdrawn after a stage's answer: that stage keeps its finding; no stage is left open to withdraw from.
    if not ctx.case.state.endswith("_responded"):
        ctx.outcome_stage = _current_stage(ctx.case)
    ctx.case.outcome = "withdrawn"


def _not_accept(ctx: StepContext) -> None:
    case, data = ctx.case, ctx.data
    if data.reason_code not in NOT_ACCEPTED_REASONS:
        raise WorkflowError("choose why the complaint is not accepted")
    what = "the officer's reason for refusing a late complaint" if data.reason_code == "over_12_months" else "why"
    ctx.note = _require(data.note, what)
    ctx.text_sent = _require(data.text_sent, "the letter to the complainant, with how to go to the Ombudsman")
    case.child_response = _require(data.child_response, "what the child is told, in plain words")
    case.not_accepted_reason = data.reason_code
    case.outcome = "not_accepted"
    ctx.details["reason"] = data.reason_code
    ctx.outcome_stage = "stage1"


def _resolve_informally(ctx: StepContext) -> None:
    ctx.note = _require(ctx.data.note, "how the complainant agreed to informal resolution")
    ctx.case.route = "informal"


def _make_complaint(ctx: StepContext) -> None:
    """A comment, or an informal complaint, becomes a statutory complaint: same reference, a new clock."""
    ctx.note = _require(ctx.data.note, "how the child asked for it to be a complaint")
    ctx.details["was"] = "informal complaint" if ctx.kind == "complaint" else ctx.kind
    ctx.case.route = "statutory"
    ctx.case.received_on = ctx.data.on
    ctx.case.stage1_extended = False
    ctx.case.advocacy_offered = True
    ctx.new_kind = "complaint"


def _classify(ctx: StepContext) -> None:
    case = ctx.case
    case.categories = _categories(ctx.data.categories)
    # A complaint about staff always takes the staff-conduct route.
    case.staff_conduct = ctx.data.staff_conduct or STAFF_CATEGORY in case.categories
    ctx.details.update(categories=case.categories, staff_conduct=case.staff_conduct)


def _route_staff_conduct(ctx: StepContext) -> None:
    case, data = ctx.case, ctx.data
    case.subject_staff = _require(data.subject_staff, "who the complaint is about")
    case.handler = _require(data.handler, "who handles it instead")
    if case.handler.casefold() == case.subject_staff.casefold():
        raise WorkflowError("a complaint about a member of staff is never handled by that person")
    case.about_manager = data.about_manager
    case.staff_conduct = True
    ctx.details.update(subject=case.subject_staff, handler=case.handler, about_manager=case.about_manager)


def _record_lado(ctx: StepContext) -> None:
    case, data = ctx.case, ctx.data
    case.lado_decision = _require(data.decision, "the safeguarding/LADO decision")
    case.lado_referred_on = data.lado_referred_on or case.lado_referred_on
    case.ofsted_notified_on = data.ofsted_notified_on or case.ofsted_notified_on
    ctx.details["decision"] = case.lado_decision
    for name in ("lado_referred_on", "ofsted_notified_on"):
        value = getattr(case, name)
        if value is not None:
            ctx.details[name] = value.isoformat()


def _ombudsman_enquiry(ctx: StepContext) -> None:
    ctx.note = _require(ctx.data.note, "what the Ombudsman asked and what was sent")
    ctx.case.ombudsman_enquiry_on = ctx.data.on


def _feedback(ctx: StepContext) -> None:
    for name in ("shared_with", "shared_how", "change_in_practice"):
        value = getattr(ctx.data, name).strip()
        if value:
            setattr(ctx.case, name, value)
            ctx.details[name] = value


def _respond_comment(ctx: StepContext) -> None:
    ctx.text_sent = _require(ctx.data.text_sent, "the response sent to the child")
    ctx.case.child_response = ctx.data.child_response.strip() or ctx.text_sent
    _feedback(ctx)


def _pass_on(ctx: StepContext) -> None:
    ctx.case.shared_with = _require(ctx.data.shared_with, "who the compliment was passed on to")
    _feedback(ctx)


def _current_stage(case: Case) -> str:
    if case.route == "informal":
        return "informal"
    if case.state.startswith("stage3"):
        return "stage3"
    if case.state.startswith("stage2"):
        return "stage2"
    return "stage1"


# --- What the child is told (plain words, reading age about 9; no promises staff may not keep) ---

_ASK_HELP = "An adult you trust or an advocate can help you ask."
_OMBUDSMAN_FOR_CHILD = (
    "If you are still not happy, the Local Government and Social Care Ombudsman can look at it. "
    "It is free. You need to contact them within 12 months. An adult you trust or an advocate can help."
)


def _words(text: ChildWords) -> dict[str, ChildWords]:
    return {"complaint": text}


_DONE_COMPLAINT = _words(ChildWords("Your complaint is finished.", _OMBUDSMAN_FOR_CHILD))

COMPLAINT = ("complaint",)
EVERY_STATE = tuple(s.value for s in State)
ANY_ROUTE = ("statutory", "informal")


def response_step(
    stage: str,
    what: str,
    state: str,
    to_state: str,
    child: ChildWords,
    *,
    routes: tuple[str, ...] = ("statutory",),
    closes: bool = False,
) -> Step:
    """A stage's response to a complaint (respond_<stage>): the letter, the child's words and the finding kept
    for `stage`; the stage's clock stops. `what` names the stage in the form ("Stage 1")."""
    return Step(
        f"respond_{stage}",
        f"Record {what} response",
        f"{what[:1].upper()}{what[1:]} response sent",
        COMPLAINT,
        (state,),
        (ON, LETTER, FOR_CHILD, OUTCOME, REMEDY, LEARNING),
        lambda ctx: _finding(ctx, stage),
        to_state=to_state,
        clock=STOP,
        child=_words(child),
        routes=routes,
        primary=True,
        closes=closes,
    )


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "receive",
            "Receive",
            "Received",
            ("complaint", "comment", "compliment"),
            (),
            clock=Clock(days.ACK_DAYS, "received"),
            kind_clocks={"comment": Clock(days.COMMENT_DAYS, "received"), "compliment": STOP},
            child={
                "complaint": ChildWords(
                    "We have got your complaint. The manager will read it soon.",
                    "The manager should let you know they have got it by {date}.",
                ),
                "comment": ChildWords(
                    "Thank you for your idea. The manager will read it.", "You should hear back by {date}."
                ),
                "compliment": ChildWords("Thank you! We have got your kind words.", "We will pass them on soon."),
            },
        ),
        Step(
            "acknowledge",
            "Acknowledge",
            "Acknowledged",
            COMPLAINT,
            ("received",),
            (ON, Field("text_sent", "Acknowledgement sent to the complainant"), CATEGORIES_FIELD, STAFF_FLAG),
            _acknowledge,
            to_state=State.stage1,
            # Stage 1's 10 working days run from the day the complaint was received.
            clock=Clock(days.STAGE1_DAYS, "received"),
            child=_words(ChildWords("The manager is looking into it.", "You should get an answer by {date}.")),
            primary=True,
        ),
        Step(
            "resolve_informally",
            "Resolve informally (the complainant agrees)",
            "Informal resolution agreed",
            COMPLAINT,
            ("received",),
            (ON, Field("note", "How the complainant agreed to informal resolution")),
            _resolve_informally,
            to_state=State.informal,
            clock=Clock(days.INFORMAL_DAYS),
            child=_words(
                ChildWords("The manager is trying to sort it out with you.", "You should hear back by {date}.")
            ),
        ),
        response_step(
            "informal",
            "informal resolution",
            "informal",
            State.closed,
            ChildWords(
                "The manager has answered you.",
                "If you are not happy with the answer, you can ask for it to be a complaint. " + _ASK_HELP,
            ),
            routes=("informal",),
            closes=True,
        ),
        Step(
            "make_complaint",
            "Make it a complaint (the child asks)",
            "Made a complaint at the child's request (same reference)",
            ("comment", "complaint"),
            ("received", "informal", "closed"),
            (ON, Field("note", "How the child asked for it to be a complaint")),
            _make_complaint,
            to_state=State.received,
            clock=Clock(days.ACK_DAYS, "on"),
            child={
                "complaint": ChildWords(
                    "It is now a complaint. The manager will read it soon.",
                    "The manager should let you know they have got it by {date}.",
                ),
                "comment": ChildWords(
                    "It is now a complaint. The manager will read it soon.",
                    "The manager should let you know they have got it by {date}.",
                ),
            },
            routes=ANY_ROUTE,
            # A comment at any time; a complaint only from informal resolution.
            when=lambda case, kind: kind == "comment" or case.route == "informal",
        ),
        Step(
            "not_accept",
            "Not accepted (excluded, or over 12 months)",
            "Not accepted",
            COMPLAINT,
            ("received", "stage1"),
            (
                ON,
                Field("reason_code", "Why it is not accepted"),
                Field("note", "The reasons in full (for a late complaint: the officer's discretion)"),
                Field("text_sent", "Letter to the complainant (with how to go to the Ombudsman)"),
                FOR_CHILD,
            ),
            _not_accept,
            to_state=State.closed,
            clock=STOP,
            child=_words(ChildWords("Your complaint cannot go through the complaints steps.", _OMBUDSMAN_FOR_CHILD)),
            closes=True,
            ombudsman=True,
        ),
        Step(
            "extend_stage1",
            f"Extend Stage 1 to {days.STAGE1_EXTENDED_DAYS} working days",
            f"Stage 1 extended to {days.STAGE1_EXTENDED_DAYS} working days",
            COMPLAINT,
            ("stage1",),
            (ON, Field("reason", "Reason for the extension"), Field("agreed_with", "Agreed with (child, advocate…)")),
            _extend_stage1,
            clock=Clock(days.STAGE1_EXTENDED_DAYS, "received"),
            child=_words(
                ChildWords(
                    "The manager is still looking into it. They need a bit more time.",
                    "You should get an answer by {date}.",
                )
            ),
        ),
        response_step(
            "stage1",
            "Stage 1",
            "stage1",
            State.stage1_responded,
            ChildWords(
                "The manager has answered your complaint.",
                "If you are not happy with the answer, you can ask for someone else to look at it. " + _ASK_HELP,
            ),
        ),
        Step(
            "request_stage2",
            "Complainant asks for Stage 2",
            "Asked for Stage 2",
            COMPLAINT,
            ("stage1_responded",),
            (ON, HOW_ASKED, DISCRETION),
            _next_stage_request,
            to_state=State.stage2_requested,
            clock=STOP,
            child=_words(
                ChildWords(
                    "You asked for someone else to look at your complaint.",
                    "Someone will talk with you soon to write down what your complaint is about.",
                )
            ),
        ),
        Step(
            "agree_statement",
            "Start Stage 2: agreed statement, investigator, independent person",
            "Stage 2 started: statement of complaint agreed",
            COMPLAINT,
            ("stage2_requested",),
            (
                ON,
                Field("text_sent", "Agreed statement of complaint"),
                Field("investigating_officer", "Investigating officer (not from the service complained about)"),
                Field("independent_person", "Independent person (not employed by the local authority)"),
                Field("advocate_offered", "The child was offered an advocate again (or already has one)"),
            ),
            _agree_statement,
            to_state=State.stage2,
            clock=Clock(days.STAGE2_DAYS),
            child=_words(
                ChildWords(
                    "Someone who does not work in your home is looking into your complaint.",
                    "You should get an answer by {date}.",
                )
            ),
            primary=True,
        ),
        Step(
            "extend_stage2",
            "Extend Stage 2",
            "Stage 2 extended",
            COMPLAINT,
            ("stage2",),
            (
                ON,
                Field(
                    "limit_days",
                    f"New limit in working days from the agreed statement "
                    f"({days.STAGE2_DAYS + 1} to {days.STAGE2_MAX_DAYS})",
                ),
                Field("reason", "Reason for the extension"),
            ),
            _extend_stage2,
            clock=Clock(days.STAGE2_DAYS, "same", max_days=days.STAGE2_MAX_DAYS),
            child=_words(
                ChildWords(
                    "The person looking into your complaint needs more time.", "You should get an answer by {date}."
                )
            ),
        ),
        response_step(
            "stage2",
            "Stage 2",
            "stage2",
            State.stage2_responded,
            ChildWords(
                "You have had an answer from the person who looked into your complaint.",
                "If you are still not happy, you can ask for a group of people to look at it again. " + _ASK_HELP,
            ),
        ),
        Step(
            "request_stage3",
            "Complainant asks for a Stage 3 review panel",
            "Asked for a Stage 3 review panel",
            COMPLAINT,
            ("stage2_responded",),
            (ON, HOW_ASKED, DISCRETION),
            _next_stage_request,
            to_state=State.stage3_requested,
            clock=Clock(days.STAGE3_PANEL_DAYS),
            child=_words(
                ChildWords(
                    "A group of people is getting ready to look at your complaint again.", "They should meet by {date}."
                )
            ),
            primary=True,
        ),
        Step(
            "panel_held",
            "Record review panel held",
            "Review panel held",
            COMPLAINT,
            ("stage3_requested",),
            (
                ON,
                Field("panel_members", "The three independent panel members, one per line, the chair first"),
                Field("note", "Notes", required=False),
            ),
            _panel_held,
            to_state=State.stage3_panel_held,
            clock=Clock(days.STAGE3_REPORT_DAYS),
            child=_words(
                ChildWords(
                    "The group has met to talk about your complaint.",
                    "They are writing down what they think. This should be done by {date}.",
                )
            ),
            primary=True,
        ),
        Step(
            "panel_report",
            "Record panel report sent",
            "Panel report sent",
            COMPLAINT,
            ("stage3_panel_held",),
            (ON, Field("text_sent", "Panel report (or its summary)")),
            _panel_report,
            to_state=State.stage3_reported,
            clock=Clock(days.STAGE3_RESPONSE_DAYS),
            child=_words(
                ChildWords("The group has written down what they think.", "You should get an answer by {date}.")
            ),
            primary=True,
        ),
        response_step(
            "stage3",
            "Stage 3",
            "stage3_reported",
            State.stage3_responded,
            ChildWords("You have had the final answer about your complaint.", _OMBUDSMAN_FOR_CHILD),
        ),
        Step(
            "signpost_ombudsman",
            "Signpost the Ombudsman and close",
            "Ombudsman signposted; closed",
            COMPLAINT,
            ("stage3_responded",),
            (ON, Field("text_sent", "Ombudsman signposting sent to the complainant")),
            _signpost,
            to_state=State.closed,
            clock=STOP,
            child=_DONE_COMPLAINT,
            primary=True,
            closes=True,
            ombudsman=True,
        ),
        Step(
            "close",
            "Close (complainant satisfied, or did not take it further)",
            "Closed",
            COMPLAINT,
            ("stage1_responded", "stage2_responded"),
            (
                ON,
                Field("note", "Why the case is closed (e.g. child satisfied with the response)"),
                Field("text_sent", "Closing letter (with how to go to the Ombudsman)"),
            ),
            _close,
            to_state=State.closed,
            clock=STOP,
            child=_DONE_COMPLAINT,
            closes=True,
            ombudsman=True,
        ),
        Step(
            "withdraw",
            "Record withdrawal",
            "Withdrawn",
            COMPLAINT,
            OPEN_STATES,
            (ON, Field("note", "How and when the complaint was withdrawn")),
            _withdraw,
            to_state=State.closed,
            clock=STOP,
            child=_words(
                ChildWords(
                    "You said you did not want to carry on with your complaint. That is okay.",
                    "You can make a new complaint any time.",
                )
            ),
            routes=ANY_ROUTE,
            closes=True,
        ),
        Step(
            "classify",
            "Update issue categories",
            "Issue categories updated",
            COMPLAINT,
            EVERY_STATE,
            (CATEGORIES_FIELD, STAFF_FLAG),
            _classify,
            routes=ANY_ROUTE,
        ),
        Step(
            "route_staff_conduct",
            "Staff-conduct route: who it is about, who handles it",
            "Staff-conduct route recorded",
            COMPLAINT,
            EVERY_STATE,
            (
                Field("subject_staff", "The member of staff it is about (name and role)"),
                Field("about_manager", "It is about the home's manager", required=False),
                Field("handler", "Who handles it instead (never the person it is about)"),
            ),
            _route_staff_conduct,
            routes=ANY_ROUTE,
        ),
        Step(
            "record_lado",
            "Record safeguarding/LADO consideration",
            "Safeguarding/LADO consideration recorded",
            COMPLAINT,
            EVERY_STATE,
            (
                Field("decision", "Decision (referred to LADO / not referred, and why)"),
                Field("lado_referred_on", "Date referred to the LADO", required=False),
                Field("ofsted_notified_on", "Date Ofsted was notified (when warranted)", required=False),
            ),
            _record_lado,
            routes=ANY_ROUTE,
            extra_roles=("safeguarding_lead",),
        ),
        Step(
            "record_ombudsman_enquiry",
            "Record an Ombudsman enquiry",
            "Ombudsman enquiry recorded",
            COMPLAINT,
            EVERY_STATE,
            (ON, Field("note", "What the Ombudsman asked and what was sent")),
            _ombudsman_enquiry,
            routes=ANY_ROUTE,
        ),
        Step(
            "respond_comment",
            "Record response",
            "Response sent",
            ("comment",),
            ("received",),
            (
                ON,
                Field("text_sent", "Response sent to the child"),
                Field("child_response", "What the child is told, in plain words (if different)", required=False),
                SHARED_WITH,
                SHARED_HOW,
                CHANGE,
            ),
            _respond_comment,
            to_state=State.closed,
            clock=STOP,
            child={
                "comment": ChildWords(
                    "Thank you for your idea. The manager has answered it.",
                    "If you want to say more, you can start a new message any time. "
                    "If you are not happy, you can ask for it to be a complaint.",
                )
            },
            primary=True,
            closes=True,
        ),
        Step(
            "pass_on",
            "Mark compliment passed on",
            "Compliment passed on",
            ("compliment",),
            ("received",),
            (ON, Field("shared_with", "Passed on to (who)"), SHARED_HOW),
            _pass_on,
            to_state=State.closed,
            clock=STOP,
            child={
                "compliment": ChildWords(
                    "Thank you! Your kind words have been passed on.", "There is nothing else to do."
                )
            },
            primary=True,
            closes=True,
        ),
        Step(
            "record_feedback",
            "Update Feedback Log",
            "Feedback Log updated",
            ("comment", "compliment"),
            EVERY_STATE,
            (SHARED_WITH, SHARED_HOW, CHANGE),
            _feedback,
        ),
    )
}

# What the child may ask for from the chat, by state: the step it records.
CHILD_NEXT_STAGE = {"stage1_responded": "request_stage2", "stage2_responded": "request_stage3"}
