"""The report's charts, drawn on the server with matplotlib (Agg, no screen) as SVG.

They go into the HTML as data: URIs of SVG images, so the PDF made from that HTML has them
too, and the staff page shows them under its Content-Security-Policy (which allows data:
images but no inline styles, which matplotlib's inline SVG would need). Every chart shows
figures that are also in a table beside it; per-home charts use the suppressed figures.
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from backend.casework.vocab import CATEGORIES, OUTCOME_LABELS, OUTCOME_STAGES, RECEIVED_VIA, REMEDIES
from backend.reports import suppress
from backend.reports.figures import OUTCOME_ORDER, STAGES, ReportFigures
from backend.reports.tables import by_home_columns

# Colours that stay apart for colour-blind readers and in greyscale print (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
INK = "#1f2933"
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: smaller, and searchable in the PDF
    "svg.hashsalt": "report",  # the same figures give the same SVG
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# matplotlib's settings are global: draw one chart at a time (pages are drawn in worker threads).
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    key: str
    svg: str
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def _svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def _figure(height: float) -> Figure:
    return Figure(figsize=(7.0, height), dpi=100)


def _hbar(labels: Sequence[str], values: Sequence[int], height: float | None = None, colour: str = PALETTE[0]) -> str:
    """Horizontal bars, largest at the top, each with its number."""
    fig = _figure(height or max(1.6, 0.32 * len(labels) + 0.6))
    ax = fig.subplots()
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, values, color=colour)
    ax.set_yticks(positions, labels)
    ax.bar_label(bars, padding=3, color=INK)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    return _svg(fig)


def comparison(fig_data: ReportFigures) -> Chart:
    periods = [*reversed(fig_data.previous), (fig_data.period, fig_data.counts)]
    kinds: tuple[tuple[str, str], ...] = (
        ("complaints", "Complaints"),
        ("informal", "Informal"),
        ("comments", "Comments"),
    )
    kinds += (("compliments", "Compliments"),)
    fig = _figure(2.8)
    ax = fig.subplots()
    width = 0.8 / len(periods)
    for i, (period, counts) in enumerate(periods):
        xs = [k + (i - (len(periods) - 1) / 2) * width for k in range(len(kinds))]
        bars = ax.bar(xs, [getattr(counts, key) for key, _ in kinds], width, label=period.label, color=PALETTE[i])
        ax.bar_label(bars, padding=2, fontsize=7, color=INK)
    ax.set_xticks(range(len(kinds)), [label for _, label in kinds])
    ax.legend(frameon=False, fontsize=8)
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)
    labels = ", ".join(p.label for p, _ in periods)
    return Chart("comparison", _svg(fig), f"Bar chart comparing the four counts over {labels}: see the table.")


def by_home(fig_data: ReportFigures) -> Chart:
    """Complaints per home; a hidden figure gets no bar, only its words."""
    shown = by_home_columns(fig_data)["complaints"]
    names = [home.name for home in fig_data.by_home]
    values = [0 if suppress.is_hidden(text) else int(text) for text in shown]
    fig = _figure(max(1.6, 0.32 * len(names) + 0.6))
    ax = fig.subplots()
    positions = list(range(len(names)))[::-1]
    ax.barh(positions, values, color=PALETTE[0])
    ax.set_yticks(positions, names)
    for y, value, text in zip(positions, values, shown, strict=True):
        ax.text(value, y, f" {text}", va="center", color=INK, fontsize=8)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.set_xlim(0, max([*values, 1]) * 1.3)
    return Chart("by_home", _svg(fig), "Bar chart of complaints by home or service: the same figures as the table.")


def issues(fig_data: ReportFigures) -> Chart:
    items = sorted(((n, CATEGORIES.get(k, k)) for k, n in fig_data.categories.items() if n), reverse=True)
    return Chart(
        "issues", _hbar([label for _, label in items], [n for n, _ in items]), "Bar chart of issues: see the table."
    )


def received_via(fig_data: ReportFigures) -> Chart:
    items = sorted(((n, RECEIVED_VIA.get(k, k)) for k, n in fig_data.received_via.items() if n), reverse=True)
    svg = _hbar([label for _, label in items], [n for n, _ in items], colour=PALETTE[2])
    return Chart("received_via", svg, "Bar chart of how complaints were received: see the table.")


def outcomes(fig_data: ReportFigures) -> Chart:
    """Stage 1 and informal resolution side by side (Stages 2 and 3 are a handful: the table has them)."""
    shown = [s for s in STAGES if sum(fig_data.outcomes[s].values())] or ["stage1"]
    fig = _figure(2.8)
    ax = fig.subplots()
    width = 0.8 / len(shown)
    for i, stage in enumerate(shown):
        xs = [k + (i - (len(shown) - 1) / 2) * width for k in range(len(OUTCOME_ORDER))]
        values = [fig_data.outcomes[stage][o] for o in OUTCOME_ORDER]
        bars = ax.bar(xs, values, width, label=OUTCOME_STAGES[stage], color=PALETTE[i])
        ax.bar_label(bars, padding=2, fontsize=7, color=INK)
    ax.set_xticks(range(len(OUTCOME_ORDER)), [OUTCOME_LABELS[o].replace(" ", "\n", 1) for o in OUTCOME_ORDER])
    ax.legend(frameon=False, fontsize=8)
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)
    return Chart("outcomes", _svg(fig), "Bar chart of outcomes at each stage: see the table.")


def remedies(fig_data: ReportFigures) -> Chart:
    totals = {r: sum(fig_data.remedies[s][r] for s in STAGES) for r in REMEDIES}
    items = sorted(((n, REMEDIES[r]) for r, n in totals.items() if n), reverse=True)
    svg = _hbar([label for _, label in items], [n for n, _ in items], colour=PALETTE[3])
    return Chart("remedies", svg, "Bar chart of remedies given, all stages together: see the table.")


def stage1_times(fig_data: ReportFigures) -> Chart:
    times = fig_data.stage1_times
    fig = _figure(2.6)
    ax = fig.subplots()
    labels = [label.replace(" working days", "").replace("More than", "Over") for label in times.labels]
    bars = ax.bar(labels, times.counts, color=[PALETTE[2], PALETTE[2], PALETTE[1], PALETTE[1], PALETTE[5]])
    texts = [f"{n}\n({p:.1f}%)" if p is not None else str(n) for n, p in zip(times.counts, times.percents, strict=True)]
    ax.bar_label(bars, texts, padding=2, fontsize=8, color=INK)
    ax.set_xlabel("Working days from receipt to the Stage 1 response")
    ax.yaxis.set_visible(False)
    ax.spines["left"].set_visible(False)
    ax.set_ylim(0, max([*times.counts, 1]) * 1.3)
    return Chart("stage1_times", _svg(fig), "Bar chart of Stage 1 response times in bands: see the table.")


def build_charts(fig_data: ReportFigures) -> dict[str, Chart]:
    with _LOCK, matplotlib.rc_context(STYLE):
        made = (
            comparison(fig_data),
            by_home(fig_data),
            issues(fig_data),
            received_via(fig_data),
            outcomes(fig_data),
            remedies(fig_data),
            stage1_times(fig_data),
        )
    return {c.key: c for c in made}
