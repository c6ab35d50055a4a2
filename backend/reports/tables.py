"""The report's tables as text, once: the HTML (and so the PDF) and the CSV show exactly these.

Every figure given per home goes through suppress.column here, so no format can show a
small number in a home.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.casework.vocab import CATEGORIES, COMPLAINANTS, OUTCOME_LABELS, OUTCOME_STAGES, RECEIVED_VIA, REMEDIES
from backend.reports import suppress
from backend.reports.figures import OUTCOME_ORDER, STAGES, KindCounts, ReportFigures, percent

KIND_ROWS = (
    ("complaints", "Complaints"),
    ("informal", "Informal complaints"),
    ("complaints_and_informal", "Complaints and informal complaints together"),
    ("comments", "Comments"),
    ("compliments", "Compliments"),
)
HOME_COLUMNS = (
    ("complaints", "Complaints"),
    ("informal", "Informal complaints"),
    ("comments", "Comments"),
    ("compliments", "Compliments"),
)


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    # Rows shown in bold (totals), by index.
    totals: frozenset[int] = field(default_factory=frozenset)
    note: str = ""


def share(count: int, total: int) -> str:
    value = percent(count, total)
    return "n/a" if value is None else f"{value:.1f}%"


def _label(key: str, labels: dict[str, str]) -> str:
    return labels.get(key, key.replace("_", " ").capitalize())


def _counts_row(counts: KindCounts, name: str) -> int:
    return int(getattr(counts, name))


def summary(fig: ReportFigures) -> Table:
    periods = [*reversed(fig.previous), (fig.period, fig.counts)]
    return Table(
        "summary",
        "Complaints, informal complaints, comments and compliments",
        ("", *(p.label for p, _ in periods)),
        tuple((label, *(str(_counts_row(c, key)) for _, c in periods)) for key, label in KIND_ROWS),
    )


def by_month(fig: ReportFigures) -> Table:
    rows = [(f"{month:%B %Y}", *(str(_counts_row(c, key)) for key, _ in HOME_COLUMNS)) for month, c in fig.by_month]
    rows.append(("Total", *(str(_counts_row(fig.counts, key)) for key, _ in HOME_COLUMNS)))
    return Table(
        "by_month",
        "Received each month",
        ("Month", *(label for _, label in HOME_COLUMNS)),
        tuple(rows),
        frozenset({len(rows) - 1}),
    )


def by_home_columns(fig: ReportFigures) -> dict[str, list[str]]:
    """Each kind's per-home figures as shown (suppressed), in the order of fig.by_home."""
    return {key: suppress.column([_counts_row(home.counts, key) for home in fig.by_home]) for key, _ in HOME_COLUMNS}


def by_home(fig: ReportFigures) -> Table:
    columns = by_home_columns(fig)
    rows = tuple((home.name, *(columns[key][i] for key, _ in HOME_COLUMNS)) for i, home in enumerate(fig.by_home))
    return Table(
        "by_home",
        "By home or service",
        ("Home or service", *(label for _, label in HOME_COLUMNS)),
        rows,
        note=(
            "A complaint about more than one home or service is counted for each. "
            f'"{suppress.FEWER}": between 1 and 4, not shown so that no child can be identified. '
            f'"{suppress.WITHHELD}": not shown so that a hidden figure cannot be worked out from the totals.'
        ),
    )


def issues(fig: ReportFigures) -> Table:
    rows = [(_label(k, CATEGORIES), str(n)) for k, n in sorted(fig.categories.items(), key=lambda kv: -kv[1]) if n]
    rows.append(("Total issues", str(fig.issues_total)))
    return Table(
        "issues",
        "Issues complained about",
        ("Issue", "Complaints"),
        tuple(rows),
        frozenset({len(rows) - 1}),
        note="A complaint may be about more than one issue.",
    )


def _shares(key: str, title: str, first: str, column: str, counts: dict[str, int], labels: dict[str, str]) -> Table:
    total = sum(counts.values())
    rows = [(_label(k, labels), str(n), share(n, total)) for k, n in counts.items() if n]
    rows.append(("Total", str(total), share(total, total)))
    return Table(key, title, (first, column, "Share"), tuple(rows), frozenset({len(rows) - 1}))


def complainants(fig: ReportFigures) -> Table:
    return _shares("complainants", "Who made the complaint", "Made by", "Complaints", fig.complainants, COMPLAINANTS)


def received_via(fig: ReportFigures) -> Table:
    return _shares(
        "received_via", "How complaints were received", "Received by", "Complaints", fig.received_via, RECEIVED_VIA
    )


def stages(fig: ReportFigures) -> Table:
    return Table(
        "stages",
        "Complaints at each stage",
        ("Stage", "Complaints", "What is counted"),
        (
            ("Stage 1: local resolution", str(fig.stage_counts["stage1"]), "complaints received in the period"),
            ("Stage 2: investigation", str(fig.stage_counts["stage2"]), "Stage 2 requests made in the period"),
            ("Stage 3: review panel", str(fig.stage_counts["stage3"]), "Stage 3 requests made in the period"),
        ),
    )


def outcomes(fig: ReportFigures) -> Table:
    rows = [(OUTCOME_LABELS[o], *(str(fig.outcomes[stage][o]) for stage in STAGES)) for o in OUTCOME_ORDER]
    rows.append(("Total", *(str(sum(fig.outcomes[stage].values())) for stage in STAGES)))
    return Table(
        "outcomes",
        "Outcomes at each stage",
        ("Outcome", *(OUTCOME_STAGES[s] for s in STAGES)),
        tuple(rows),
        frozenset({len(rows) - 1}),
        note=(
            "Stage 1 and informal resolution: the complaints received in the period "
            f"({fig.stage1_awaiting} still without a Stage 1 outcome). "
            "Stages 2 and 3: the responses sent in the period, whenever the complaint was received."
        ),
    )


def remedies(fig: ReportFigures) -> Table:
    rows = [(_label(r, REMEDIES), *(str(fig.remedies[stage][r]) for stage in STAGES)) for r in REMEDIES]
    rows.append(("Total", *(str(fig.remedies_total(stage)) for stage in STAGES)))
    return Table(
        "remedies",
        "How complaints were resolved (remedies given)",
        ("Remedy", *(OUTCOME_STAGES[s] for s in STAGES)),
        tuple(rows),
        frozenset({len(rows) - 1}),
        note="A complaint may be resolved in more than one way, so there can be more remedies than complaints.",
    )


def stage1_times(fig: ReportFigures) -> Table:
    times = fig.stage1_times
    rows = [(label, str(n), share(n, times.total)) for label, n in zip(times.labels, times.counts, strict=True)]
    rows.append(("Total answered at Stage 1", str(times.total), share(times.total, times.total)))
    return Table(
        "stage1_times",
        "Stage 1 response times",
        ("Working days from receipt to response", "Complaints", "Share"),
        tuple(rows),
        frozenset({len(rows) - 1}),
        note=(
            "Of the complaints received in the period that have had a Stage 1 response. "
            "Withdrawn and not-accepted complaints have none, so they are not counted here."
        ),
    )


def stage2_times(fig: ReportFigures) -> Table:
    t = fig.stage2_times
    return Table(
        "stage2_times",
        "Stage 2 response times",
        ("Working days from the agreed statement to the response", "Complaints", "Share"),
        (
            ("Within 25 working days", str(t["within_25"]), share(t["within_25"], t["total"])),
            ("Within 65 working days (the longest allowed)", str(t["within_65"]), share(t["within_65"], t["total"])),
            ("More than 65 working days", str(t["over_65"]), share(t["over_65"], t["total"])),
            ("Total answered at Stage 2 in the period", str(t["total"]), share(t["total"], t["total"])),
        ),
        frozenset({3}),
    )


def advocacy(fig: ReportFigures) -> Table:
    return Table(
        "advocacy",
        "Advocacy",
        ("", "Number"),
        (
            ("Complaints where the child was offered an advocate", str(fig.advocacy_offered)),
            ("Complaints where the child asked for an advocate", str(fig.advocacy_taken)),
            ("Requests for an advocate without a complaint", str(fig.advocacy_without_complaint)),
        ),
    )


def ombudsman(fig: ReportFigures) -> Table:
    return Table(
        "ombudsman",
        "Local Government and Social Care Ombudsman",
        ("", "Number"),
        (
            ("Enquiries from the Ombudsman in the period", str(fig.ombudsman_enquiries)),
            (
                "Final responses in the period that told the complainant about the Ombudsman",
                str(fig.ombudsman_signposted),
            ),
        ),
    )


def learning(fig: ReportFigures) -> Table:
    return Table(
        "learning",
        "Learning from upheld complaints",
        ("What was learnt",),
        tuple((text,) for text in fig.learning) or (("Nothing recorded for this period.",),),
    )


def compliments_by_source(fig: ReportFigures) -> Table:
    return _shares(
        "compliments_by_source",
        "Compliments by who gave them",
        "Given by",
        "Compliments",
        fig.compliments_by_source,
        COMPLAINANTS,
    )


def build_tables(fig: ReportFigures) -> dict[str, Table]:
    """Every table, in the report's order."""
    made = (
        summary(fig),
        by_month(fig),
        by_home(fig),
        issues(fig),
        complainants(fig),
        received_via(fig),
        stages(fig),
        outcomes(fig),
        remedies(fig),
        stage1_times(fig),
        stage2_times(fig),
        advocacy(fig),
        ombudsman(fig),
        learning(fig),
        compliments_by_source(fig),
    )
    return {t.key: t for t in made}
