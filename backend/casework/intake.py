"""Recording a complaint, comment or compliment that arrived another way: phone, letter, email, in person.

Staff record who made it (the child, or someone acting for them, with the child's consent),
how it arrived and on which day, and every home or service it is about. It then runs through
the same steps as one from the tablet, with its own reference and access code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from backend.anonymous_dates import day_only
from backend.casework import timescales
from backend.casework.models import Case, CaseEvent
from backend.casework.service import new_case
from backend.casework.vocab import CATEGORIES, COMPLAINANTS, RECEIVED_VIA, STAFF_CATEGORY
from backend.codes import new_hashed_access_code
from backend.deadlines import LONDON, WorkingCalendar
from backend.models import StaffUser, Submission
from backend.staff.audit import audit
from backend.submissions import allocate_reference

# What staff choose; an informal complaint is a complaint on the informal route.
KINDS = {
    "complaint": "Complaint (statutory procedure)",
    "informal": "Informal complaint (informal resolution)",
    "comment": "Comment",
    "compliment": "Compliment",
}


class IntakeError(ValueError):
    """The intake form breaks a rule; the message says what to fix, for the page to show."""


@dataclass
class Intake:
    kind: str
    home_code: str
    received_on: date
    received_via: str
    complainant: str
    what_happened: str
    services: list[str] = field(default_factory=list)
    complainant_name: str = ""
    consent_note: str = ""
    first_name: str = ""
    anonymous: bool = False
    desired_outcome: str = ""
    categories: list[str] = field(default_factory=list)
    staff_conduct: bool = False
    advocacy_offered: bool = False


def check(intake: Intake, homes: set[str], today: date) -> None:
    """Every rule the form must meet (raises IntakeError saying what to fix)."""
    if intake.kind not in KINDS:
        raise IntakeError("choose what it is: complaint, informal complaint, comment or compliment")
    if intake.home_code not in homes:
        raise IntakeError("choose the home it is about")
    if any(code not in homes for code in intake.services):
        raise IntakeError("every other service must be one of your homes")
    if intake.received_via not in RECEIVED_VIA or intake.received_via == "tablet":
        raise IntakeError("choose how it was received (phone, letter, email, in person or leaflet)")
    if intake.complainant not in COMPLAINANTS:
        raise IntakeError("choose who made it")
    if intake.complainant != "child":
        if not intake.complainant_name.strip():
            raise IntakeError("give the name of the person acting for the child")
        if intake.kind != "compliment" and not intake.consent_note.strip():
            raise IntakeError(
                "record the child's consent to someone acting for them (or why it is not needed, e.g. a young child)"
            )
    if not intake.what_happened.strip():
        raise IntakeError("write what it is about")
    if intake.received_on > today:
        raise IntakeError("the date received cannot be in the future")
    if (today - intake.received_on).days > 366:
        raise IntakeError("the date received is more than a year ago: check it")
    if not intake.anonymous and not intake.first_name.strip() and intake.complainant == "child":
        raise IntakeError("give the child's first name, or tick anonymous")
    bad = [c for c in intake.categories if c not in CATEGORIES]
    if bad:
        raise IntakeError(f"unknown issue category: {', '.join(bad)}")


async def record(
    session: AsyncSession, intake: Intake, actor: StaffUser, calendar: WorkingCalendar, now: datetime
) -> tuple[Submission, str]:
    """Store it with its case and a timeline line; returns the record and its one-time access code."""
    code, code_hash = await new_hashed_access_code()
    kind = "complaint" if intake.kind == "informal" else intake.kind
    noon = datetime.combine(intake.received_on, time(12), tzinfo=LONDON).astimezone(UTC)

    def build(reference: str) -> tuple[Submission, Case]:
        submission = Submission(
            reference=reference,
            kind=kind,
            what_happened=intake.what_happened.strip(),
            desired_outcome=intake.desired_outcome.strip() or None,
            anonymous=intake.anonymous,
            first_name=None if intake.anonymous else (intake.first_name.strip() or None),
            conversation_id=None,
            home_code=intake.home_code,
            access_code_hash=code_hash,
            status="received",
            received_at=day_only(noon) if intake.anonymous else noon,
        )
        session.add(submission)
        case = _case_for(submission, intake, calendar)
        session.add(case)
        return submission, case

    submission, case = await allocate_reference(session, kind, build)
    session.add(_received_event(case, intake, actor, now))
    await audit(
        session,
        actor,
        "record_case",
        "case",
        submission.reference,
        f"{KINDS[intake.kind]} received by {intake.received_via} from {intake.complainant}",
        home_code=intake.home_code,
    )
    await session.commit()
    return submission, code


def _case_for(submission: Submission, intake: Intake, calendar: WorkingCalendar) -> Case:
    case = new_case(submission, calendar)
    case.complainant = intake.complainant
    case.complainant_name = intake.complainant_name.strip() or None
    case.received_via = intake.received_via
    case.consent_note = intake.consent_note.strip() or None
    case.services = list(dict.fromkeys([intake.home_code, *intake.services]))
    case.categories = list(dict.fromkeys(intake.categories))
    case.staff_conduct = submission.kind == "complaint" and (intake.staff_conduct or STAFF_CATEGORY in case.categories)
    case.advocacy_offered = submission.kind == "complaint" and intake.advocacy_offered
    if intake.kind == "informal":
        case.route = "informal"
        case.state = "informal"
        case.last_step = "resolve_informally"
        case.step_anchor_on = case.received_on
        case.step_limit_days = timescales.INFORMAL_DAYS
        case.due_on = calendar.add_working_days(case.received_on, timescales.INFORMAL_DAYS)
    return case


def _received_event(case: Case, intake: Intake, actor: StaffUser, now: datetime) -> CaseEvent:
    return CaseEvent(
        case_id=case.id,
        at=now,
        actor_id=actor.id,
        actor_username=actor.username,
        action="receive",
        from_state=None,
        to_state=case.state,
        on=intake.received_on,
        note=None,
        details={
            "received_via": intake.received_via,
            "complainant": intake.complainant,
            "services": case.services,
        },
        due_on=case.due_on,
    )
