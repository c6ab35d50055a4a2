"""Every figure of the annual (or quarterly) report, read from the records: a session in, numbers out.

What counts where (the README's "Reports" section says the same for staff):
- A record belongs to the period its submission was received in (its date in England).
- Complaints are statutory complaints (kind "complaint", route "statutory"); informal
  complaints (route "informal") are their own count; comments and compliments likewise.
- Stage 1 figures (outcomes, timescales, advocacy) are about the complaints received in the
  period. Stage 2 and 3 happen long after: they count the requests made and the responses
  sent in the period, whenever the complaint arrived (as the seed report does, 3.1 viii).
- A complaint about several homes or services counts once for each (seed 3.1 iii).
- The Stage 1 timescale bands are of the complaints with a Stage 1 response (a finding):
  withdrawn and not-accepted complaints have none.
- Scoped to a set of homes, a record counts when its home is one of them. Allegations
  against staff are counted only for those who may read them (backend/staff/roles.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import AdvocacyRequest, Case, CaseEvent, CaseOutcome
from backend.casework.timescales import STAGE1_DAYS, STAGE1_EXTENDED_DAYS, STAGE2_DAYS, STAGE2_MAX_DAYS
from backend.casework.vocab import CATEGORIES, COMPLAINANTS, FINDINGS, RECEIVED_VIA, REMEDIES, UPHELD
from backend.deadlines import LONDON, local_date
from backend.models import Submission
from backend.reports.periods import Period, previous_periods
from backend.staff.models import Home

# Stage 1 response times (seed section 10): (label, lowest, highest working days), highest None: no limit.
STAGE1_BANDS: tuple[tuple[str, int, int | None], ...] = (
    (f"Within {STAGE1_DAYS} working days", 0, STAGE1_DAYS),
    (f"{STAGE1_DAYS + 1} to {STAGE1_EXTENDED_DAYS} working days", STAGE1_DAYS + 1, STAGE1_EXTENDED_DAYS),
    ("21 to 25 working days", 21, 25),
    ("26 to 30 working days", 26, 30),
    ("More than 30 working days", 31, None),
)
# Stage 2 (seed 2.5): the statutory limit and the longest extension.
STAGE2_LIMITS = (STAGE2_DAYS, STAGE2_MAX_DAYS)
STAGES = ("stage1", "stage2", "stage3", "informal")
OUTCOME_ORDER = (*FINDINGS, "withdrawn", "not_accepted")


@dataclass(frozen=True)
class Scope:
    """Which records a report may count: homes (None: all) and allegations against staff."""

    homes: frozenset[str] | None = None
    staff_conduct: bool = True


@dataclass(frozen=True)
class KindCounts:
    complaints: int = 0
    informal: int = 0
    comments: int = 0
    compliments: int = 0

    @property
    def complaints_and_informal(self) -> int:
        """ "Adverse contacts" in the seed's words (3.1 vii)."""
        return self.complaints + self.informal


@dataclass(frozen=True)
class HomeCounts:
    """One home or service; the raw numbers (suppression is applied when shown: suppress.py)."""

    code: str
    name: str
    counts: KindCounts


@dataclass(frozen=True)
class Percentages:
    """Counts in bands with their share of the total, to one decimal place."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def percents(self) -> tuple[float | None, ...]:
        return tuple(percent(n, self.total) for n in self.counts)


@dataclass(frozen=True)
class ReportFigures:
    period: Period
    scope: Scope
    home_names: dict[str, str]
    counts: KindCounts
    previous: tuple[tuple[Period, KindCounts], ...]  # newest first
    by_month: tuple[tuple[date, KindCounts], ...]
    by_home: tuple[HomeCounts, ...]
    categories: dict[str, int]  # every category, in vocab order
    complainants: dict[str, int]
    received_via: dict[str, int]
    stage_counts: dict[str, int]  # stage1 / stage2 / stage3
    outcomes: dict[str, dict[str, int]]  # stage -> outcome -> count (every OUTCOME_ORDER key)
    stage1_awaiting: int  # complaints received in the period with no Stage 1 outcome yet
    remedies: dict[str, dict[str, int]]  # stage -> remedy -> count (a finding may give several)
    stage1_times: Percentages
    stage2_times: dict[str, int]  # within_25, within_65, over_65, total
    advocacy_offered: int
    advocacy_taken: int
    advocacy_without_complaint: int
    ombudsman_enquiries: int
    ombudsman_signposted: int
    learning: tuple[str, ...]
    compliments_by_source: dict[str, int]
    generated_on: date = field(default_factory=lambda: local_date(datetime.now(UTC)))

    @property
    def issues_total(self) -> int:
        return sum(self.categories.values())

    def remedies_total(self, stage: str) -> int:
        return sum(self.remedies[stage].values())

    @property
    def upheld_at_stage1(self) -> int:
        return sum(self.outcomes["stage1"][o] for o in UPHELD)


def percent(count: int, total: int) -> float | None:
    """One decimal place, halves rounded up (so 49 of 111 is 44.1, as the seed prints it)."""
    if not total:
        return None
    return int(1000 * count / total + 0.5 + 1e-9) / 10


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _received_in(period: Period) -> ColumnElement[bool]:
    return and_(
        Submission.received_at >= _start_of(period.start),
        Submission.received_at < _start_of(period.end + timedelta(days=1)),
    )


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = []
    if scope.homes is not None:
        parts.append(Submission.home_code.in_(scope.homes))
    if not scope.staff_conduct:
        parts.append(Case.staff_conduct.is_(False))
    return and_(true(), *parts)


def _cases(scope: Scope) -> Select[Case, Submission]:
    return select(Case, Submission).join(Submission, Case.submission_id == Submission.id).where(_in_scope(scope))


def kind_of(submission: Submission, case: Case) -> str:
    """complaints / informal / comments / compliments: the summary's four counts."""
    if submission.kind == "complaint":
        return "informal" if case.route == "informal" else "complaints"
    return "comments" if submission.kind == "comment" else "compliments"


def _count(pairs: list[tuple[Case, Submission]]) -> KindCounts:
    tally = Counter(kind_of(s, c) for c, s in pairs)
    return KindCounts(**{k: tally[k] for k in ("complaints", "informal", "comments", "compliments")})


def services_of(case: Case, submission: Submission) -> list[str]:
    return list(dict.fromkeys(case.services or [submission.home_code]))


async def _pairs(session: AsyncSession, period: Period, scope: Scope) -> list[tuple[Case, Submission]]:
    rows = await session.execute(_cases(scope).where(_received_in(period)).order_by(Submission.received_at))
    return [(c, s) for c, s in rows.tuples()]


def _stage1_row(rows: list[CaseOutcome]) -> CaseOutcome | None:
    """A case's Stage 1 outcome: its finding if it has one (a later withdrawal does not undo it), else the latest."""
    stage1 = [r for r in rows if r.stage == "stage1"]
    findings = [r for r in stage1 if r.outcome in FINDINGS]
    if findings:
        return findings[0]
    return stage1[-1] if stage1 else None


def _by_home(pairs: list[tuple[Case, Submission]], scope: Scope, names: dict[str, str]) -> tuple[HomeCounts, ...]:
    tally: dict[str, Counter[str]] = {}
    for case, sub in pairs:
        for code in services_of(case, sub):
            if scope.homes is None or code in scope.homes:
                tally.setdefault(code, Counter())[kind_of(sub, case)] += 1
    codes = set(tally) | (set(scope.homes) if scope.homes is not None else set(names))
    rows = []

    def by_name(code: str) -> tuple[str, str]:  # a def, not a lambda: mypy picks the wrong dict.get for one
        return names.get(code, code).casefold(), code

    for code in sorted(codes, key=by_name):
        t = tally.get(code, Counter())
        counts = KindCounts(t["complaints"], t["informal"], t["comments"], t["compliments"])
        rows.append(HomeCounts(code, names.get(code, code), counts))
    return tuple(rows)


def _stage1_times(rows: list[CaseOutcome]) -> Percentages:
    counts = [0] * len(STAGE1_BANDS)
    for row in rows:
        if row.outcome not in FINDINGS or row.working_days is None:
            continue
        for i, (_, low, high) in enumerate(STAGE1_BANDS):
            if row.working_days >= low and (high is None or row.working_days <= high):
                counts[i] += 1
                break
    return Percentages(tuple(label for label, _, _ in STAGE1_BANDS), tuple(counts))


def _stage2_times(rows: list[CaseOutcome]) -> dict[str, int]:
    short, longest = STAGE2_LIMITS
    days = [r.working_days for r in rows if r.outcome in FINDINGS and r.working_days is not None]
    return {
        "within_25": sum(1 for d in days if d <= short),
        "within_65": sum(1 for d in days if d <= longest),
        "over_65": sum(1 for d in days if d > longest),
        "total": len(days),
    }


def _empty_outcomes() -> dict[str, int]:
    return dict.fromkeys(OUTCOME_ORDER, 0)


async def _later_stage_outcomes(session: AsyncSession, period: Period, scope: Scope) -> list[CaseOutcome]:
    """Stage 2 and 3 responses sent in the period, whenever the complaint was received."""
    query = (
        select(CaseOutcome)
        .join(Case, CaseOutcome.case_id == Case.id)
        .join(Submission, Case.submission_id == Submission.id)
        .where(
            _in_scope(scope),
            CaseOutcome.stage.in_(("stage2", "stage3")),
            CaseOutcome.responded_on >= period.start,
            CaseOutcome.responded_on <= period.end,
        )
        .order_by(CaseOutcome.id)
    )
    return list(await session.scalars(query))


async def _requests(session: AsyncSession, period: Period, scope: Scope, action: str) -> int:
    query = (
        select(func.count(func.distinct(CaseEvent.case_id)))
        .join(Case, CaseEvent.case_id == Case.id)
        .join(Submission, Case.submission_id == Submission.id)
        .where(_in_scope(scope), CaseEvent.action == action, CaseEvent.on >= period.start, CaseEvent.on <= period.end)
    )
    return int(await session.scalar(query) or 0)


async def _home_names(session: AsyncSession) -> dict[str, str]:
    return {code: name for code, name in (await session.execute(select(Home.code, Home.name))).tuples()}


async def counts_for(session: AsyncSession, period: Period, scope: Scope) -> KindCounts:
    return _count(await _pairs(session, period, scope))


async def report_figures(session: AsyncSession, period: Period, scope: Scope) -> ReportFigures:
    names = await _home_names(session)
    pairs = await _pairs(session, period, scope)
    complaints = [(c, s) for c, s in pairs if kind_of(s, c) == "complaints"]
    informal = [(c, s) for c, s in pairs if kind_of(s, c) == "informal"]
    compliments = [(c, s) for c, s in pairs if kind_of(s, c) == "compliments"]

    case_ids = [c.id for c, _ in complaints + informal]
    outcome_rows: dict[int, list[CaseOutcome]] = {}
    if case_ids:
        cohort = select(Case.id).join(Submission, Case.submission_id == Submission.id)
        cohort = cohort.where(_in_scope(scope), _received_in(period), Submission.kind == "complaint")
        for row in await session.scalars(
            select(CaseOutcome).where(CaseOutcome.case_id.in_(cohort)).order_by(CaseOutcome.id)
        ):
            outcome_rows.setdefault(row.case_id, []).append(row)

    # Stage 1 (complaints received in the period) and informal resolution.
    stage1_rows = [r for c, _ in complaints if (r := _stage1_row(outcome_rows.get(c.id, []))) is not None]
    informal_rows = [
        rows[-1] for c, _ in informal if (rows := [r for r in outcome_rows.get(c.id, []) if r.stage == "informal"])
    ]
    later_rows = await _later_stage_outcomes(session, period, scope)
    outcomes = {stage: _empty_outcomes() for stage in STAGES}
    for row in (*stage1_rows, *informal_rows, *later_rows):
        if row.outcome in outcomes[row.stage]:
            outcomes[row.stage][row.outcome] += 1

    remedies = {stage: dict.fromkeys(REMEDIES, 0) for stage in STAGES}
    for row in (*stage1_rows, *informal_rows, *later_rows):
        for remedy in dict.fromkeys(row.remedies or []):
            if remedy in remedies[row.stage]:
                remedies[row.stage][remedy] += 1

    categories = dict.fromkeys(CATEGORIES, 0)
    for case, _ in complaints:
        for key in dict.fromkeys(case.categories or []):
            if key in categories:
                categories[key] += 1

    complaint_subs = select(Submission.id).join(Case, Case.submission_id == Submission.id)
    complaint_subs = complaint_subs.where(_in_scope(scope), _received_in(period), Submission.kind == "complaint")
    complaint_subs = complaint_subs.where(Case.route == "statutory")
    taken = await session.scalar(
        select(func.count(func.distinct(AdvocacyRequest.submission_id))).where(
            AdvocacyRequest.submission_id.in_(complaint_subs)
        )
    )
    alone = select(func.count()).where(
        AdvocacyRequest.submission_id.is_(None),
        AdvocacyRequest.created_at >= _start_of(period.start),
        AdvocacyRequest.created_at < _start_of(period.end + timedelta(days=1)),
    )
    if scope.homes is not None:
        alone = alone.where(AdvocacyRequest.home_code.in_(scope.homes))

    enquiries = await session.scalar(
        select(func.count())
        .select_from(Case)
        .join(Submission, Case.submission_id == Submission.id)
        .where(_in_scope(scope), Case.ombudsman_enquiry_on >= period.start, Case.ombudsman_enquiry_on <= period.end)
    )
    signposted = await session.scalar(
        select(func.count())
        .select_from(Case)
        .join(Submission, Case.submission_id == Submission.id)
        .where(
            _in_scope(scope),
            Case.ombudsman_signposted_at >= _start_of(period.start),
            Case.ombudsman_signposted_at < _start_of(period.end + timedelta(days=1)),
        )
    )

    learning = tuple(
        dict.fromkeys(
            (c.learning or "").strip()
            for c, _ in complaints + informal
            if c.outcome in UPHELD and (c.learning or "").strip()
        )
    )
    previous = []
    for earlier in previous_periods(period):
        previous.append((earlier, await counts_for(session, earlier, scope)))

    return ReportFigures(
        period=period,
        scope=scope,
        home_names=names,
        counts=_count(pairs),
        previous=tuple(previous),
        by_month=tuple(
            (month, _count([(c, s) for c, s in pairs if local_date(s.received_at).replace(day=1) == month]))
            for month in period.months()
        ),
        by_home=_by_home(pairs, scope, names),
        categories=categories,
        complainants=_tally((c.complainant for c, _ in complaints), COMPLAINANTS),
        received_via=_tally((c.received_via for c, _ in complaints), RECEIVED_VIA),
        stage_counts={
            "stage1": len(complaints),
            "stage2": await _requests(session, period, scope, "request_stage2"),
            "stage3": await _requests(session, period, scope, "request_stage3"),
        },
        outcomes=outcomes,
        stage1_awaiting=len(complaints) - len(stage1_rows),
        remedies=remedies,
        stage1_times=_stage1_times(stage1_rows),
        stage2_times=_stage2_times([r for r in later_rows if r.stage == "stage2"]),
        advocacy_offered=sum(1 for c, _ in complaints if c.advocacy_offered),
        advocacy_taken=int(taken or 0),
        advocacy_without_complaint=int(await session.scalar(alone) or 0),
        ombudsman_enquiries=int(enquiries or 0),
        ombudsman_signposted=int(signposted or 0),
        learning=learning,
        compliments_by_source=_tally((c.complainant for c, _ in compliments), COMPLAINANTS),
    )


def _tally(values: Iterable[str], keys: dict[str, str]) -> dict[str, int]:
    """Every known key (so the table shows the zeros too), then anything unexpected at the end."""
    found = Counter(values)
    out = {key: found.pop(key, 0) for key in keys}
    out.update(sorted(found.items()))
    return out
