"""The demo generator fills a year whose report gives the seed annual report's figures (seed 001).

Its records must also be the shapes the workflow leaves: each case's timeline, findings, state,
clock and last step agree, with working days counted by the same calendar.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.casework.models import AdvocacyRequest, Case, CaseEvent, CaseOutcome
from backend.casework.vocab import OPEN_STATES
from backend.db import make_engine, make_sessionmaker, migrate
from backend.deadlines import WorkingCalendar, local_date
from backend.models import Submission
from backend.reports.demo import DemoRefusedError, fill_like_seed_report
from backend.reports.figures import ReportFigures, Scope, report_figures
from backend.reports.periods import Period
from backend.reports.render import body_html
from backend.staff.models import Home
from tests.backend.reports.conftest import TODAY, YEAR

SEED_PERIOD = Period(YEAR, date(2026, 3, 31))
QUIET = {"classify", "route_staff_conduct", "record_lado", "record_ombudsman_enquiry", "record_feedback"}


async def _figures(url: str, period: Period = SEED_PERIOD, scope: Scope | None = None) -> ReportFigures:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await report_figures(session, period, scope or Scope())
    finally:
        await engine.dispose()


async def test_the_report_reproduces_the_seed_annual_report(demo_url: str) -> None:
    fig = await _figures(demo_url)
    # 3.1 i, vii; 3.3; and the two years before (3.1 i, vii; 5.4).
    assert (fig.counts.complaints, fig.counts.informal, fig.counts.compliments) == (111, 28, 37)
    assert fig.counts.comments == 19
    assert fig.counts.complaints_and_informal == 139
    (last, last_counts), (before, before_counts) = fig.previous
    assert (last.label, last_counts.complaints, last_counts.informal, last_counts.compliments) == (
        "2024/25",
        104,
        45,
        56,
    )
    assert last_counts.complaints_and_informal == 149
    assert (before.label, before_counts.complaints, before_counts.compliments) == ("2023/24", 111, 83)
    # 3.1 iv: who complained.
    who = fig.complainants
    assert (who["parent_relative"], who["child"] + who["advocate"], who["iro"]) == (82, 24, 5)
    # Section 10: the Stage 1 bands, of the 111 answered.
    assert fig.stage1_times.counts == (49, 26, 8, 6, 22)
    assert fig.stage1_times.percents == (44.1, 23.4, 7.2, 5.4, 19.8)
    # 9.2: 41 upheld to some extent, 56 not upheld; 9.6: 150 remedies; 6.4: 115 issues.
    assert fig.upheld_at_stage1 == 41
    assert fig.outcomes["stage1"]["not_upheld"] == 56
    assert sum(fig.outcomes["stage1"].values()) == 111
    assert fig.remedies_total("stage1") == 150
    assert fig.issues_total == 115
    # 3.1 viii and x: no Stage 2 request this year and no Stage 3; one Stage 2 answered from last year.
    assert (fig.stage_counts["stage1"], fig.stage_counts["stage2"], fig.stage_counts["stage3"]) == (111, 0, 0)
    assert sum(fig.outcomes["stage2"].values()) == fig.stage2_times["within_65"] == 1
    # 3.5: four children had an advocate.
    assert fig.advocacy_taken == 4
    assert fig.ombudsman_enquiries == 3
    assert fig.learning


async def test_the_timescales_sentence_reads_its_days_from_the_bands(demo_url: str) -> None:
    html = str(body_html(await _figures(demo_url)))
    # Section 10's sentence, with the day numbers from timescales.py (through the bands), not the template.
    assert "44.1% were answered within 10 working days and 67.6% within 20 working days" in html
    assert "took more than 30 working days" in html


async def test_last_year_counted_the_stage2_request(demo_url: str) -> None:
    fig = await _figures(demo_url, Period(date(2024, 4, 1), date(2025, 3, 31)))
    assert fig.stage_counts["stage2"] == 1
    assert sum(fig.outcomes["stage2"].values()) == 0


async def test_each_demo_case_is_a_shape_the_workflow_makes(demo_url: str) -> None:
    calendar = WorkingCalendar()
    engine = make_engine(demo_url)
    async with make_sessionmaker(engine)() as session:
        cases = list(await session.scalars(select(Case)))
        events: dict[int, list[CaseEvent]] = {}
        for event in await session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
            events.setdefault(event.case_id, []).append(event)
        findings: dict[int, list[CaseOutcome]] = {}
        for row in await session.scalars(select(CaseOutcome).order_by(CaseOutcome.id)):
            findings.setdefault(row.case_id, []).append(row)
        requests = list(await session.scalars(select(AdvocacyRequest)))
        homes = set(await session.scalars(select(Home.code)))
    await engine.dispose()
    assert len(cases) == 111 + 28 + 19 + 37 + 104 + 45 + 56 + 111 + 83
    for case in cases:
        sub, timeline = case.submission, events.get(case.id, [])
        assert sub.status == case.state
        assert local_date(sub.received_at) == case.received_on
        assert set(case.services) <= homes and case.services[0] == sub.home_code
        assert timeline, sub.reference
        # The states chain from one step to the next and end where the case is.
        state = timeline[0].from_state or timeline[0].to_state
        for event in timeline:
            assert event.from_state in {None, state}, (sub.reference, event.action)
            state = event.to_state
            assert event.on >= case.received_on
            assert event.on <= TODAY
        assert state == case.state
        assert case.last_step == [e.action for e in timeline if e.action not in QUIET][-1]
        if case.state == "closed":
            assert case.closed_at is not None and case.due_on is None
        else:
            assert case.state in OPEN_STATES
        if sub.anonymous:
            assert sub.first_name is None
        # One finding per stage answered, its working days counted by the same calendar.
        for row in findings.get(case.id, []):
            start = case.received_on if row.stage in {"stage1", "informal"} else None
            if start is not None:
                assert row.working_days == calendar.working_days_between(start, row.responded_on)
            response = {"stage1": "respond_stage1", "stage2": "respond_stage2", "informal": "respond_informal"}
            actions = [e.action for e in timeline if e.on == row.responded_on]
            assert response.get(row.stage) in actions or "withdraw" in actions
        if "staff_attitude" in case.categories:
            assert case.staff_conduct and "route_staff_conduct" in [e.action for e in timeline]
    assert {r.submission_id for r in requests} <= {c.submission_id for c in cases if c.advocacy_offered}


def test_demo_data_goes_only_into_an_empty_database(demo_url: str, tmp_path: Path) -> None:
    async def fill(url: str, start: date) -> None:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session:
                await fill_like_seed_report(session, start, TODAY, WorkingCalendar())
        finally:
            await engine.dispose()

    with pytest.raises(DemoRefusedError, match="already holds 594 submission"):
        asyncio.run(fill(demo_url, YEAR))
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    migrate(empty)
    with pytest.raises(DemoRefusedError, match="must have ended at least"):
        asyncio.run(fill(empty, date(2026, 4, 1)))


async def test_the_demo_year_is_counted_by_home(demo_url: str) -> None:
    fig = await _figures(demo_url)
    assert [h.code for h in fig.by_home] == [f"home-{n}" for n in range(1, 7)]
    # A complaint about two homes counts for each.
    assert sum(h.counts.complaints for h in fig.by_home) == 111 + 5
    assert sum(h.counts.compliments for h in fig.by_home) == 37
    engine = make_engine(demo_url)
    async with make_sessionmaker(engine)() as session:
        total = await session.scalar(select(func.count()).select_from(Submission))
    await engine.dispose()
    assert total == 594
