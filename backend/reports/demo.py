"""`python -m backend demo-data --like-seed-report`: a year of records whose report matches the seed's.

A generator, not the workflow: it writes the records directly, in the shapes the workflow
leaves them (backend/casework/steps.py): each case's state, clock, outcome and last step agree
with its timeline (CaseEvent) and its per-stage findings (CaseOutcome), working days counted
with the same calendar. Only into a database with no submissions at all.

The numbers are in demo_plan.py and the words in demo_text.py. The generator is seeded, so
the same year gives the same records (bar the random references).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import AdvocacyRequest, Case, CaseEvent, CaseOutcome
from backend.casework.timescales import (
    ACK_DAYS,
    INFORMAL_DAYS,
    STAGE1_DAYS,
    STAGE1_EXTENDED_DAYS,
    STAGE2_DAYS,
    STAGE2_MAX_DAYS,
)
from backend.casework.vocab import STAFF_CATEGORY, UPHELD
from backend.codes import hash_access_code, new_access_code, new_reference
from backend.deadlines import LONDON, WorkingCalendar
from backend.models import Submission
from backend.reports import demo_text as words
from backend.reports.demo_plan import (
    COMPLIMENT_SOURCES,
    DEMO_HOMES,
    HOME_SHARES,
    INFORMAL_OUTCOMES,
    INFORMAL_SOURCES,
    RECEIVED_BY_COMPLAINANT,
    SEED_ISSUES,
    SEED_YEAR,
    TWO_SERVICE_COMPLAINTS,
    TWO_YEARS_BEFORE,
    YEAR_BEFORE,
    YearPlan,
    allocate,
)
from backend.staff.models import Home

ACTOR = "demo-data"
# The longest a demo complaint runs after its year ends (a late Stage 1 answer, then closing):
# the year must be this far in the past, since no step may be dated in the future.
SETTLING_DAYS = 150
# Steps that do not change what the child is told (so they leave `last_step` alone).
_QUIET_STEPS = {"classify", "route_staff_conduct", "record_lado", "record_ombudsman_enquiry", "record_feedback"}
_BAND_DAYS = ((3, 10), (11, 20), (21, 25), (26, 30), (31, 60))
_REMEDY_WITH_APOLOGY = ("service_provided", "explanation", "change_of_practice")
_INITIALS = "ABCDEFGHJKLMNPRSTW"


class DemoRefusedError(RuntimeError):
    """The demo data would mix with real records, or its dates would lie in the future."""


@dataclass
class DemoSummary:
    years: list[tuple[date, dict[str, int]]] = field(default_factory=list)
    homes_created: int = 0


def year_of(start: date) -> tuple[date, date]:
    try:
        after = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        after = start.replace(year=start.year + 1, day=28) + timedelta(days=1)
    return start, after - timedelta(days=1)


@dataclass
class _Record:
    submission: Submission
    case: Case
    events: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    advocacy: bool = False

    def step(
        self,
        action: str,
        on: date,
        to_state: str | None = None,
        *,
        due_on: date | None = None,
        **fields: Any,
    ) -> None:
        """One line of the timeline; moves the state as the step table does."""
        before = self.case.state
        after = to_state or before
        self.events.append(
            {
                "action": action,
                "on": on,
                "at": _at(on, len(self.events)),
                "from_state": before,
                "to_state": after,
                "due_on": due_on,
                "text_sent": fields.pop("text_sent", None),
                "note": fields.pop("note", None),
                "details": fields.pop("details", {}),
            }
        )
        self.case.state = after
        self.submission.status = after
        if action not in _QUIET_STEPS:
            self.case.last_step = action

    def finding(self, stage: str, outcome: str, on: date, working_days: int | None, remedies: list[str]) -> None:
        learning = self.case.learning if outcome in UPHELD else None
        self.outcomes.append(
            {
                "stage": stage,
                "outcome": outcome,
                "remedies": remedies,
                "learning": learning,
                "responded_on": on,
                "working_days": working_days,
                "child_response": self.case.child_response if outcome != "withdrawn" else None,
                "recorded_at": _at(on, 9),
            }
        )


def _at(on: date, minutes: int) -> datetime:
    """A step's time: office hours in England on its day."""
    return datetime.combine(on, time(10, 0), tzinfo=LONDON).astimezone(UTC) + timedelta(minutes=5 * minutes)


class _Writer:
    def __init__(self, calendar: WorkingCalendar, homes: list[str], rng: random.Random, code_hash: str) -> None:
        self.calendar = calendar
        self.homes = homes
        self.rng = rng
        self.code_hash = code_hash
        self.records: list[_Record] = []
        self.references: set[str] = set()

    # --- helpers ---

    def _reference(self, kind: str) -> str:
        while (ref := new_reference(kind)) in self.references:
            pass
        self.references.add(ref)
        return ref

    def _days(self, start: date, end: date, count: int) -> list[date]:
        span = (end - start).days + 1
        return sorted(start + timedelta(days=self.rng.randrange(span)) for _ in range(count))

    def _spread(self, total: int, shares: Mapping[str, float]) -> list[str]:
        keys = [k for k, n in zip(shares, allocate(total, shares), strict=True) for _ in range(n)]
        self.rng.shuffle(keys)
        return keys

    def _home_list(self, total: int) -> list[str]:
        shares = HOME_SHARES[: len(self.homes)] if len(self.homes) <= len(HOME_SHARES) else (1.0,) * len(self.homes)
        return self._spread(total, dict(zip(self.homes, shares, strict=False)))

    def _via(self, complainant: str) -> str:
        options = RECEIVED_BY_COMPLAINANT[complainant]
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def _new(
        self,
        kind: str,
        day: date,
        home: str,
        complainant: str,
        via: str,
        text: tuple[str, str],
        about: str | None = None,
        informal: bool = False,
    ) -> _Record:
        """A record as the tablet (backend/submissions.py) or the staff intake form (casework/intake.py) makes it."""
        by_staff = via != "tablet"
        # On the tablet a child may stay anonymous (then only the date is kept). Staff record the day,
        # at noon. Named children carry an initial, never a name.
        anonymous = not by_staff and self.rng.random() < 0.5
        if by_staff:
            received_at = datetime.combine(day, time(12), tzinfo=LONDON)
        elif anonymous:
            received_at = datetime.combine(day, time(0), tzinfo=LONDON)
        else:
            received_at = datetime.combine(day, time(self.rng.randint(9, 20), self.rng.randrange(60)), tzinfo=LONDON)
        what, wanted = text
        named_child = not anonymous and complainant == "child"
        submission = Submission(
            reference=self._reference(kind),
            kind=kind,
            what_happened=what,
            desired_outcome=None if kind == "compliment" else wanted,
            about_whom=about,
            anonymous=anonymous,
            first_name=self.rng.choice(_INITIALS) + "." if named_child else None,
            conversation_id=None,
            home_code=home,
            received_at=received_at.astimezone(UTC),
            access_code_hash=self.code_hash,
            status="received",
        )
        limit = None if kind == "compliment" else INFORMAL_DAYS if informal and by_staff else ACK_DAYS
        case = Case(
            submission=submission,
            state="received",
            received_on=day,
            step_anchor_on=day if limit else None,
            step_limit_days=limit,
            due_on=self.calendar.add_working_days(day, limit) if limit else None,
            stage1_extended=False,
            remedies=[],
            categories=[],
            staff_conduct=False,
            last_step="receive",
            complainant=complainant,
            complainant_name=words.COMPLAINANT_NAMES.get(complainant),
            received_via=via,
            consent_note=words.CONSENT if complainant != "child" and kind != "compliment" else None,
            services=[home],
            route="informal" if informal else "statutory",
            advocacy_offered=kind == "complaint" and complainant in {"child", "advocate"},
            panel_members=[],
            about_manager=False,
            updated_at=received_at.astimezone(UTC),
        )
        if informal and by_staff:
            # Recorded straight onto the informal route, as the intake form does.
            case.state, case.last_step = "informal", "resolve_informally"
        submission.status = case.state
        record = _Record(submission, case)
        if by_staff:
            record.events.append(
                {
                    "action": "receive",
                    "on": day,
                    "at": received_at.astimezone(UTC),
                    "from_state": None,
                    "to_state": case.state,
                    "due_on": case.due_on,
                    "text_sent": None,
                    "note": None,
                    "details": {"received_via": via, "complainant": complainant, "services": case.services},
                }
            )
        self.records.append(record)
        return record

    def _stop_clock(self, record: _Record, on: date) -> None:
        record.case.step_anchor_on, record.case.step_limit_days, record.case.due_on = on, None, None

    def _close(self, record: _Record, on: date, **fields: Any) -> None:
        record.step("close", on, "closed", **fields)
        self._stop_clock(record, on)
        record.case.closed_at = record.case.ombudsman_signposted_at = _at(on, 20)
        record.case.updated_at = _at(on, 20)

    # --- statutory complaints ---

    def complaints(self, start: date, end: date, plan: YearPlan) -> list[_Record]:
        n = plan.complaints
        days = self._days(start, end, n)
        complainants = [k for k, c in plan.complainants.items() for _ in range(c)]
        self.rng.shuffle(complainants)
        bands = [b for b, c in enumerate(plan.stage1_bands) for _ in range(c)]
        self.rng.shuffle(bands)
        findings = [k for k, c in plan.stage1_outcomes.items() for _ in range(c)]
        self.rng.shuffle(findings)
        issues = self._issues(n, plan is SEED_YEAR)
        homes = self._home_list(n)
        records = []
        for i in range(n):
            who = complainants[i]
            record = self._new("complaint", days[i], homes[i], who, self._via(who), self._text(issues[i][0]))
            record.case.categories = issues[i]
            record.case.staff_conduct = STAFF_CATEGORY in issues[i]
            records.append(record)
        self._second_services(records)
        # No-remedy findings: two "resolution meeting offered" (150 remedies in all, seed 9.6).
        meetings = [i for i, f in enumerate(findings) if f == "resolution_meeting_offered"][:2]
        for i, record in enumerate(records):
            self._stage1(record, bands[i], findings[i], with_remedy=i not in meetings)
        self._finish(records, plan, end)
        return records

    def _issues(self, n: int, seed_year: bool) -> list[list[str]]:
        issues = SEED_ISSUES if seed_year else {k: v * n / 115 for k, v in SEED_ISSUES.items()}
        total = round(sum(issues.values())) if seed_year else n + 4
        tokens = self._spread(total, issues)
        firsts, extras = tokens[:n], tokens[n:]
        out = [[c] for c in firsts]
        j = 0
        for extra in extras:
            while extra in out[j] or len(out[j]) > 1:
                j += 1
            out[j].append(extra)
            j += 1
        return out

    def _text(self, category: str) -> tuple[str, str]:
        return self.rng.choice(words.COMPLAINTS[category])

    def _second_services(self, records: list[_Record]) -> None:
        """A few complaints are about two homes or services (each counted)."""
        big = self.homes[:-1] if len(self.homes) > 2 else self.homes
        picked = [r for r in records if r.submission.home_code in big][:TWO_SERVICE_COMPLAINTS]
        for record in picked if len(self.homes) > 1 else []:
            others = [h for h in big if h != record.submission.home_code]
            record.case.services = [record.submission.home_code, self.rng.choice(others)]
            for event in record.events[:1]:
                event["details"]["services"] = record.case.services

    def _stage1(self, record: _Record, band: int, outcome: str, with_remedy: bool) -> None:
        case, received = record.case, record.case.received_on
        low, high = _BAND_DAYS[band]
        taken = self.rng.randint(low, high)
        ack_on = self.calendar.add_working_days(received, min(self.rng.randint(1, ACK_DAYS), taken))
        stage1_due = self.calendar.add_working_days(received, STAGE1_DAYS)
        record.step(
            "acknowledge",
            ack_on,
            "stage1",
            due_on=stage1_due,
            text_sent=words.ACKNOWLEDGEMENT,
            details={"staff_conduct": case.staff_conduct},
        )
        case.step_anchor_on, case.step_limit_days, case.due_on = received, STAGE1_DAYS, stage1_due
        if case.staff_conduct:
            self._staff_conduct(record, ack_on)
        if taken > STAGE1_DAYS:
            extended_on = self.calendar.add_working_days(received, self.rng.randint(5, STAGE1_DAYS))
            extended_on = max(extended_on, ack_on)
            reason, agreed = words.EXTENSION
            due = self.calendar.add_working_days(received, STAGE1_EXTENDED_DAYS)
            record.step("extend_stage1", extended_on, due_on=due, details={"reason": reason, "agreed_with": agreed})
            case.stage1_extended, case.step_limit_days, case.due_on = True, STAGE1_EXTENDED_DAYS, due
        responded = self.calendar.add_working_days(received, taken)
        remedies = self._remedies(outcome, with_remedy)
        case.outcome, case.remedies = outcome, remedies
        case.learning = self.rng.choice(words.LEARNING) if outcome in UPHELD else None
        case.child_response = words.FOR_CHILD[outcome]
        record.step(
            "respond_stage1",
            responded,
            "stage1_responded",
            text_sent=words.LETTER[outcome],
            details={"outcome": outcome, "remedies": remedies},
        )
        self._stop_clock(record, responded)
        record.finding("stage1", outcome, responded, self.calendar.working_days_between(received, responded), remedies)
        case.updated_at = _at(responded, 10)

    def _remedies(self, outcome: str, with_remedy: bool) -> list[str]:
        if outcome in UPHELD:
            return ["apology", self.rng.choice(_REMEDY_WITH_APOLOGY)]
        return ["explanation"] if with_remedy else []

    def _staff_conduct(self, record: _Record, on: date) -> None:
        case = record.case
        case.subject_staff, case.handler = words.CONDUCT_SUBJECT, words.CONDUCT_HANDLER
        record.step(
            "route_staff_conduct",
            on,
            details={"subject": case.subject_staff, "handler": case.handler, "about_manager": False},
        )
        referred = self.rng.random() < 0.1
        case.lado_decision = words.LADO_REFERRED if referred else words.LADO_NOT_REFERRED
        details: dict[str, Any] = {"decision": case.lado_decision}
        if referred:
            case.lado_referred_on = case.ofsted_notified_on = on
            details.update(lado_referred_on=on.isoformat(), ofsted_notified_on=on.isoformat())
        record.step("record_lado", on, details=details)

    def _finish(self, records: list[_Record], plan: YearPlan, end: date) -> None:
        """Close most, leave the newest few open, take one on to Stage 2; the Ombudsman asks about a few;
        some children have an advocate."""
        open_ones = records[len(records) - plan.open_after_response :]
        asked = records[: len(records) // 2][: plan.ombudsman_enquiries]
        stage2 = self._stage2_candidate(records, end) if plan.stage2_into_next_year else None
        for record in records:
            if record is stage2 or any(record is r for r in open_ones):
                continue
            responded = record.case.step_anchor_on or record.case.received_on
            self._close(
                record,
                self.calendar.add_working_days(responded, self.rng.randint(3, 15)),
                note="The complainant was satisfied with the response.",
                text_sent=words.CLOSING,
            )
        for record in asked:
            closed = record.case.step_anchor_on or record.case.received_on
            enquiry = max(min(closed + timedelta(days=self.rng.randint(20, 40)), end), closed)
            record.case.ombudsman_enquiry_on = enquiry
            record.step("record_ombudsman_enquiry", enquiry, note=words.OMBUDSMAN_ENQUIRY)
        if stage2 is not None:
            self._stage2(stage2, end)
        children = [r for r in records if r.case.complainant == "child"]
        children.sort(key=lambda r: r.case.received_via != "tablet")
        for record in children[: plan.advocacy_taken]:
            record.advocacy = True

    # --- Stage 2 into the next year (seed 3.1 viii) ---

    @staticmethod
    def _stage2_candidate(records: list[_Record], end: date) -> _Record:
        """A complaint answered quickly at Stage 1 about ten weeks before the year ends."""
        quick = [r for r in records if (r.outcomes[0]["working_days"] or 0) <= STAGE1_DAYS]
        return min(quick or records, key=lambda r: abs((end - r.case.received_on).days - 70))

    def _stage2(self, record: _Record, end: date) -> None:
        case = record.case
        responded = case.step_anchor_on or case.received_on
        asked = self.calendar.add_working_days(responded, 5)
        record.step("request_stage2", asked, "stage2_requested", note="Asked by letter.")
        statement_on = self.calendar.add_working_days(asked, 10)
        case.investigating_officer = "An investigating officer from another service"
        case.independent_person = "An independent person from the regional panel"
        case.advocacy_offered = True
        due = self.calendar.add_working_days(statement_on, STAGE2_DAYS)
        record.step(
            "agree_statement",
            statement_on,
            "stage2",
            due_on=due,
            text_sent="1. The move was arranged before the checks were complete.",
            details={
                "investigating_officer": case.investigating_officer,
                "independent_person": case.independent_person,
                "advocate_offered": True,
            },
        )
        case.step_anchor_on, case.step_limit_days, case.due_on = statement_on, STAGE2_DAYS, due
        extended = self.calendar.add_working_days(statement_on, STAGE2_DAYS - 5)
        due = self.calendar.add_working_days(statement_on, STAGE2_MAX_DAYS)
        record.step(
            "extend_stage2",
            extended,
            due_on=due,
            details={"reason": "Several agencies to interview.", "limit_days": STAGE2_MAX_DAYS},
        )
        case.step_limit_days, case.due_on = STAGE2_MAX_DAYS, due
        # Answered early in the next year, within the longest Stage 2 allows.
        answered = min(max(self.calendar.add_working_days(statement_on, 50), end + timedelta(days=7)), due)
        while not self.calendar.is_working_day(answered):
            answered -= timedelta(days=1)
        case.outcome, case.remedies = "partially_upheld", ["apology", "change_of_practice"]
        case.learning = "Placement moves wait until all checks are complete."
        case.child_response = words.FOR_CHILD["partially_upheld"]
        record.step(
            "respond_stage2",
            answered,
            "stage2_responded",
            text_sent="Stage 2 response from the Assistant Director: partially upheld.",
            details={"outcome": case.outcome, "remedies": case.remedies},
        )
        taken = self.calendar.working_days_between(statement_on, answered)
        record.finding("stage2", case.outcome, answered, taken, case.remedies)
        self._stop_clock(record, answered)
        self._close(
            record,
            self.calendar.add_working_days(answered, 10),
            note="The complainant did not ask for a review panel.",
            text_sent=words.CLOSING,
        )

    # --- informal complaints, comments, compliments ---

    def informal(self, start: date, end: date, plan: YearPlan) -> None:
        days = self._days(start, end, plan.informal)
        sources = self._spread(plan.informal, INFORMAL_SOURCES)
        homes = self._home_list(plan.informal)
        outcomes = self._spread(plan.informal - plan.informal_withdrawn, INFORMAL_OUTCOMES)
        outcomes += ["withdrawn"] * plan.informal_withdrawn
        for i in range(plan.informal):
            who = sources[i]
            via = self._via(who)
            record = self._new("complaint", days[i], homes[i], who, via, self.rng.choice(words.INFORMAL), informal=True)
            case = record.case
            agreed = case.received_on
            if via == "tablet":
                # From the tablet it arrives as a complaint; the manager agrees informal resolution with the child.
                agreed = self.calendar.add_working_days(case.received_on, self.rng.randint(1, 2))
                due = self.calendar.add_working_days(agreed, INFORMAL_DAYS)
                record.step(
                    "resolve_informally",
                    agreed,
                    "informal",
                    due_on=due,
                    note="The child wanted it sorted without a formal complaint.",
                )
                case.step_anchor_on, case.step_limit_days, case.due_on = agreed, INFORMAL_DAYS, due
            answered = self.calendar.add_working_days(agreed, self.rng.randint(2, INFORMAL_DAYS))
            outcome = outcomes[i]
            if outcome == "withdrawn":
                case.outcome = "withdrawn"
                record.step("withdraw", answered, "closed", note="The complainant said it was sorted.")
                days_taken = self.calendar.working_days_between(case.received_on, answered)
                record.finding("informal", "withdrawn", answered, days_taken, [])
            else:
                remedies = ["apology", "explanation"] if outcome in UPHELD else ["explanation"]
                case.outcome, case.remedies = outcome, remedies
                case.learning = self.rng.choice(words.LEARNING) if outcome in UPHELD else None
                case.child_response = words.FOR_CHILD[outcome]
                record.step(
                    "respond_informal",
                    answered,
                    "closed",
                    text_sent=words.LETTER[outcome].replace("Stage 1 response", "Response"),
                    details={"outcome": outcome, "remedies": remedies},
                )
                days_taken = self.calendar.working_days_between(case.received_on, answered)
                record.finding("informal", outcome, answered, days_taken, remedies)
            self._stop_clock(record, answered)
            case.closed_at = case.updated_at = _at(answered, 20)

    def comments(self, start: date, end: date, count: int) -> None:
        days = self._days(start, end, count)
        homes = self._home_list(count)
        for i in range(count):
            who = "child" if i % 5 else "parent_relative"
            record = self._new("comment", days[i], homes[i], who, self._via(who), self.rng.choice(words.COMMENTS))
            answered = self.calendar.add_working_days(days[i], self.rng.randint(2, STAGE1_DAYS))
            record.case.child_response = "Thank you for your idea. We talked about it at the house meeting."
            record.case.shared_with = "The house meeting"
            record.step(
                "respond_comment",
                answered,
                "closed",
                text_sent="Thank you for your idea: we will talk about it at the next house meeting.",
                details={"shared_with": "The house meeting"},
            )
            self._stop_clock(record, answered)
            record.case.closed_at = record.case.updated_at = _at(answered, 20)

    def compliments(self, start: date, end: date, count: int) -> None:
        days = self._days(start, end, count)
        homes = self._home_list(count)
        sources = self._spread(count, COMPLIMENT_SOURCES)
        for i in range(count):
            who = sources[i]
            what, about = self.rng.choice(words.COMPLIMENTS)
            record = self._new("compliment", days[i], homes[i], who, self._via(who), (what, ""), about=about)
            passed = days[i] + timedelta(days=self.rng.randint(1, 7))
            record.case.shared_with, record.case.shared_how = about, "Read out at the team meeting"
            record.step(
                "pass_on",
                passed,
                "closed",
                details={"shared_with": about, "shared_how": "Read out at the team meeting"},
            )
            record.case.passed_on_at = record.case.closed_at = record.case.updated_at = _at(passed, 20)

    # --- writing ---

    async def write(self, session: AsyncSession, provider: str) -> None:
        session.add_all([r.case for r in self.records])
        await session.flush()
        for record in self.records:
            for event in record.events:
                session.add(CaseEvent(case_id=record.case.id, actor_id=None, actor_username=ACTOR, **event))
            for outcome in record.outcomes:
                session.add(CaseOutcome(case_id=record.case.id, **outcome))
            if record.advocacy:
                sub = record.submission
                asked = sub.received_at
                session.add(
                    AdvocacyRequest(
                        created_at=asked,
                        home_code=sub.home_code,
                        submission_id=sub.id,
                        anonymous=sub.anonymous,
                        first_name=sub.first_name,
                        conversation_id=None,
                        consent_to_share=True,
                        provider_name=provider,
                        status="new",
                        provider_notice="delivered",
                        provider_notified_at=asked + timedelta(minutes=1),
                        provider_notice_attempts=1,
                    )
                )
        await session.flush()


async def _homes(session: AsyncSession) -> tuple[list[str], int]:
    codes = list(await session.scalars(select(Home.code).order_by(Home.code)))
    if codes:
        return codes, 0
    for code, name in DEMO_HOMES:
        session.add(Home(code=code, name=name))
    await session.flush()
    return [code for code, _ in DEMO_HOMES], len(DEMO_HOMES)


def _plans(year_start: date, with_history: bool) -> list[tuple[date, YearPlan]]:
    plans = [(year_start, SEED_YEAR)]
    if with_history:
        for years_back, plan in ((1, YEAR_BEFORE), (2, TWO_YEARS_BEFORE)):
            plans.append((year_start.replace(year=year_start.year - years_back), plan))
    return plans


async def fill_like_seed_report(
    session: AsyncSession,
    year_start: date,
    today: date,
    calendar: WorkingCalendar,
    *,
    with_history: bool = False,
    provider: str = "the local advocacy service",
) -> DemoSummary:
    """Fill an empty database with a year like the seed report's (and, with history, the two before); commit."""
    existing = await session.scalar(select(func.count()).select_from(Submission))
    if existing:
        raise DemoRefusedError(
            f"the database already holds {existing} submission(s): demo data goes only into a database "
            "with none, so it never mixes with real records"
        )
    _, end = year_of(year_start)
    if end + timedelta(days=SETTLING_DAYS) > today:
        raise DemoRefusedError(
            f"the year {year_start} to {end} must have ended at least {SETTLING_DAYS} days ago: its complaints are "
            "answered and closed after it, and no step may be dated in the future"
        )
    homes, created = await _homes(session)
    # Nobody ever has the code: demo records cannot be looked up from the chat.
    writer = _Writer(calendar, homes, random.Random(2012), hash_access_code(new_access_code() + secrets.token_hex(8)))  # noqa: S311 (repeatable demo data, not security)
    summary = DemoSummary(homes_created=created)
    for start, plan in _plans(year_start, with_history):
        first, last = year_of(start)
        writer.complaints(first, last, plan)
        writer.informal(first, last, plan)
        writer.comments(first, last, plan.comments)
        writer.compliments(first, last, plan.compliments)
        summary.years.append(
            (
                first,
                {
                    "complaints": plan.complaints,
                    "informal": plan.informal,
                    "comments": plan.comments,
                    "compliments": plan.compliments,
                },
            )
        )
    await writer.write(session, provider)
    await session.commit()
    return summary
