"""The report as HTML (templates/reports/), as PDF made from that same HTML, and as CSV of its tables."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from backend.reports import suppress
from backend.reports.charts import build_charts
from backend.reports.figures import STAGE1_BANDS, ReportFigures
from backend.reports.periods import format_day
from backend.reports.tables import Table, build_tables, share

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Autoescape everything: learning and home names are typed by staff.
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def scope_label(fig: ReportFigures) -> str:
    if fig.scope.homes is None:
        return "All homes and services"
    names = sorted(fig.home_names.get(code, code) for code in fig.scope.homes)
    return ("Homes: " + ", ".join(names)) if names else "No homes"


def _facts(fig: ReportFigures) -> dict[str, Any]:
    """The few numbers the report's sentences use (seed 3.1 iv and 10.1)."""
    who = fig.complainants
    times = fig.stage1_times
    within_20 = times.counts[0] + times.counts[1]
    return {
        "by_family": who.get("parent_relative", 0),
        "by_children": who.get("child", 0) + who.get("advocate", 0),
        "by_iro": who.get("iro", 0),
        "by_others": who.get("social_worker", 0) + who.get("other_professional", 0),
        "within_10": share(times.counts[0], times.total),
        "within_20": share(within_20, times.total),
        "over_30": share(times.counts[-1], times.total),
        # The sentence's day numbers come from the bands (and so from timescales.py), never written twice.
        "stage1_days": STAGE1_BANDS[0][2],
        "stage1_extended_days": STAGE1_BANDS[1][2],
        "last_band_after": STAGE1_BANDS[-1][1] - 1,
    }


def body_html(fig: ReportFigures) -> Markup:
    """The report's sections; the staff page shows them as they are, and the document wraps them."""
    html = _env.get_template("reports/body.html").render(
        fig=fig,
        tables=build_tables(fig),
        charts=build_charts(fig),
        facts=_facts(fig),
        hidden=(suppress.FEWER, suppress.WITHHELD),
        scope_label=scope_label(fig),
        period_dates=f"{format_day(fig.period.start)} to {format_day(fig.period.end)}",
        generated=format_day(fig.generated_on),
    )
    return Markup(html)  # noqa: S704 (rendered by an autoescaping template)


def document_html(fig: ReportFigures) -> str:
    """A complete page, with its own styles: the HTML download and the source of the PDF."""
    return _env.get_template("reports/document.html").render(fig=fig, body=body_html(fig))


def pdf_bytes(fig: ReportFigures) -> bytes:
    # Imported here: it is slow to load and only the PDF needs it.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # It logs every layout step at INFO: noise in the server's and the CLI's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    # The charts are data: URLs; the PDF never fetches anything from anywhere else.
    pdf: bytes = HTML(string=document_html(fig), url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    return pdf


def _cell(text: str) -> str:
    """A spreadsheet must never run a cell as a formula (staff-typed text could start with = or +)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def csv_text(fig: ReportFigures) -> str:
    """Every table one after another: its title, its header row, its rows, a blank line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"Complaints, comments and compliments: {fig.period.label}", scope_label(fig)])
    writer.writerow([f"{fig.period.start} to {fig.period.end}", f"made {fig.generated_on}"])
    writer.writerow([])
    tables: list[Table] = list(build_tables(fig).values())
    for table in tables:
        writer.writerow([_cell(table.title)])
        writer.writerow([_cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([_cell(cell) for cell in row])
        if table.note:
            writer.writerow([_cell(table.note)])
        writer.writerow([])
    return out.getvalue()


def filename(fig: ReportFigures, extension: str) -> str:
    return f"complaints-report-{fig.period.start}-to-{fig.period.end}.{extension}"
