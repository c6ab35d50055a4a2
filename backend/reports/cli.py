"""The two report commands of `python -m backend`: `report` and `demo-data --like-seed-report`.

Bad input (a date that is not one, a PDF with nowhere to go, demo data for a database that
already has records) ends with exit status 2 and a sentence saying why, like argparse's own.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.config import Settings
from backend.db import assert_migrated, make_engine, make_sessionmaker
from backend.deadlines import WorkingCalendar, local_date
from backend.reports.periods import Period, PeriodError, format_day, parse_period
from backend.staff.models import Home
from backend.timeutil import utcnow

if TYPE_CHECKING:
    from backend.reports.figures import ReportFigures

DEFAULT_DEMO_YEAR = date(2025, 4, 1)


class Refused(Exception):  # noqa: N818 (a refusal, told to the user; not a failure)
    """Exit status 2 with this message."""


def _year_end(start: date) -> date:
    from backend.reports.demo import year_of

    return year_of(start)[1]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from exc


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report", help="the annual or quarterly report of complaints, comments and compliments (HTML, PDF or CSV)"
    )
    report.add_argument(
        "--from", dest="start", metavar="DATE", required=True, help="first day of the period, YYYY-MM-DD"
    )
    report.add_argument(
        "--to", dest="end", metavar="DATE", required=True, help="last day of the period (included), YYYY-MM-DD"
    )
    report.add_argument("--format", choices=("html", "pdf", "csv"), default="html")
    report.add_argument("--out", type=Path, help="file to write (default: standard output; a PDF needs a file)")
    report.add_argument("--home", action="append", default=[], help="only this home's records (repeat for several)")
    demo = sub.add_parser(
        "demo-data", help="fill an EMPTY database with a year of demo records (never into one with records)"
    )
    demo.add_argument(
        "--like-seed-report",
        action="store_true",
        required=True,
        help="records whose report gives the seed annual report's figures (111 complaints, 28 informal, ...)",
    )
    demo.add_argument(
        "--year-start",
        type=_day,
        default=DEFAULT_DEMO_YEAR,
        help=f"first day of the demo year (default {DEFAULT_DEMO_YEAR}); the year must have ended months ago",
    )
    demo.add_argument(
        "--with-history", action="store_true", help="also the two years before, with the seed's figures for them"
    )


def check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Period | None:
    """Refuse what can be refused before touching the database (argparse's exit status 2)."""
    if args.command != "report":
        return None
    try:
        period = parse_period(args.start, args.end)
    except PeriodError as exc:
        parser.error(str(exc))
    if args.format == "pdf" and args.out is None:
        parser.error("a PDF needs --out FILE (it is not text for the terminal)")
    return period


async def _migrated(engine: AsyncEngine) -> None:
    try:
        await assert_migrated(engine)
    except RuntimeError as exc:
        raise SystemExit(f"nothing done: {exc}") from exc


async def _figures(settings: Settings, period: Period, homes: list[str]) -> ReportFigures:
    from backend.reports.figures import Scope, report_figures

    engine = make_engine(settings.database_url)
    try:
        await _migrated(engine)
        async with make_sessionmaker(engine)() as session:
            known = set(await session.scalars(select(Home.code)))
            unknown = [code for code in homes if code not in known]
            if unknown:
                raise Refused(f"unknown home: {unknown[0]} (homes: {', '.join(sorted(known)) or 'none yet'})")
            # Whoever runs this has the database itself: every home and every record, staff conduct included.
            scope = Scope(homes=frozenset(homes) if homes else None, staff_conduct=True)
            return await report_figures(session, period, scope)
    finally:
        await engine.dispose()


def _report(settings: Settings, args: argparse.Namespace, period: Period) -> None:
    # Here, not at the top: every other command would load matplotlib for nothing.
    from backend.reports import render

    figures = asyncio.run(_figures(settings, period, args.home))
    if args.format == "pdf":
        data: bytes | str = render.pdf_bytes(figures)
    elif args.format == "csv":
        data = render.csv_text(figures)
    else:
        data = render.document_html(figures)
    if args.out is None:
        sys.stdout.write(str(data))
        return
    if isinstance(data, bytes):
        args.out.write_bytes(data)
    else:
        args.out.write_text(data, encoding="utf-8")
    print(f"report: {figures.period.label} written to {args.out} ({args.out.stat().st_size} bytes)")


async def _demo(settings: Settings, args: argparse.Namespace) -> None:
    from backend.reports.demo import DemoRefusedError, fill_like_seed_report

    engine = make_engine(settings.database_url)
    try:
        await _migrated(engine)
        async with make_sessionmaker(engine)() as session:
            summary = await fill_like_seed_report(
                session,
                args.year_start,
                local_date(utcnow()),
                WorkingCalendar(settings.closure_days),
                with_history=args.with_history,
                provider=settings.advocacy_provider_name,
            )
    except DemoRefusedError as exc:
        raise Refused(f"demo-data: {exc}") from exc
    finally:
        await engine.dispose()
    for start, counts in summary.years:
        end = _year_end(start)
        print(
            f"demo data {format_day(start)} to {format_day(end)}: {counts['complaints']} complaints, "
            f"{counts['informal']} informal complaints, {counts['comments']} comments, "
            f"{counts['compliments']} compliments"
        )
    if summary.homes_created:
        print(f"created {summary.homes_created} homes (Home 1 to Home {summary.homes_created})")
    print(
        f"see it: python -m backend report --from {args.year_start} --to {_year_end(args.year_start)} "
        "--format pdf --out report.pdf"
    )


def run(settings: Settings, args: argparse.Namespace, period: Period | None) -> None:
    try:
        if args.command == "report" and period is not None:
            _report(settings, args, period)
        elif args.command == "demo-data":
            asyncio.run(_demo(settings, args))
    except Refused as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc
