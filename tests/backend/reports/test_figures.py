"""What the report counts, on records made by hand: each rule of figures.py once."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import async_sessionmaker

from backend.reports.figures import Scope, report_figures
from backend.reports.periods import Period
from backend.reports.render import csv_text
from tests.backend.reports.support import add_record

YEAR = Period(date(2025, 4, 1), date(2026, 3, 31))


async def test_the_stage1_bands_leave_out_withdrawn_and_not_accepted_complaints(db: async_sessionmaker) -> None:
    async with db() as session:
        await add_record(session, date(2025, 5, 1), findings=[("stage1", "upheld", date(2025, 5, 9), 6, ["apology"])])
        await add_record(session, date(2025, 5, 2), findings=[("stage1", "not_upheld", date(2025, 6, 20), 34, [])])
        await add_record(session, date(2025, 5, 5), findings=[("stage1", "withdrawn", date(2025, 5, 7), 2, [])])
        await add_record(session, date(2025, 5, 6), findings=[("stage1", "not_accepted", date(2025, 5, 8), 2, [])])
        # Answered, then withdrawn: its Stage 1 finding stands.
        await add_record(
            session,
            date(2025, 5, 7),
            findings=[
                ("stage1", "partially_upheld", date(2025, 5, 20), 9, ["apology", "explanation"]),
                ("stage1", "withdrawn", date(2025, 6, 1), 17, []),
            ],
        )
        await add_record(session, date(2025, 5, 8))  # not answered yet
        fig = await report_figures(session, YEAR, Scope())
    assert fig.counts.complaints == 6
    assert fig.stage1_times.counts == (2, 0, 0, 0, 1)
    assert fig.stage1_times.percents == (66.7, 0.0, 0.0, 0.0, 33.3)
    stage1 = fig.outcomes["stage1"]
    assert (stage1["upheld"], stage1["partially_upheld"], stage1["withdrawn"], stage1["not_accepted"]) == (1, 1, 1, 1)
    assert fig.stage1_awaiting == 1
    assert fig.remedies["stage1"]["apology"] == 2


async def test_kinds_routes_services_and_later_stages(db: async_sessionmaker) -> None:
    async with db() as session:
        await add_record(session, date(2025, 4, 1), services=["home-1", "home-2"], categories=["contact", "delay"])
        await add_record(
            session,
            date(2025, 4, 2),
            route="informal",
            findings=[("informal", "upheld", date(2025, 4, 9), 5, ["apology"])],
        )
        await add_record(session, date(2025, 4, 3), kind="comment", home="home-2")
        await add_record(session, date(2025, 4, 4), kind="compliment", complainant="social_worker", via="email")
        # Received the year before; asked for Stage 2 and answered within this year.
        await add_record(
            session,
            date(2025, 1, 6),
            events=[("request_stage2", date(2025, 4, 14)), ("request_stage3", date(2026, 4, 2))],
            findings=[("stage2", "not_upheld", date(2025, 6, 30), 30, ["explanation"])],
        )
        # A day outside the year, either side.
        await add_record(session, date(2025, 3, 31))
        await add_record(session, date(2026, 4, 1))
        fig = await report_figures(session, YEAR, Scope())
    c = fig.counts
    assert (c.complaints, c.informal, c.comments, c.compliments) == (1, 1, 1, 1)
    homes = {h.code: h.counts for h in fig.by_home}
    assert (homes["home-1"].complaints, homes["home-2"].complaints, homes["home-2"].comments) == (1, 1, 1)
    assert fig.issues_total == 2
    assert fig.outcomes["informal"]["upheld"] == 1
    assert (fig.stage_counts["stage2"], fig.stage_counts["stage3"]) == (1, 0)
    assert fig.stage2_times == {"within_25": 0, "within_65": 1, "over_65": 0, "total": 1}
    assert fig.compliments_by_source["social_worker"] == 1
    assert [p.label for p, _ in fig.previous] == ["2024/25", "2023/24"]
    assert fig.previous[0][1].complaints == 2


async def test_a_scope_counts_only_its_homes_and_may_leave_out_staff_conduct(db: async_sessionmaker) -> None:
    async with db() as session:
        for _ in range(6):
            await add_record(session, date(2025, 6, 2), home="home-1")
        await add_record(
            session,
            date(2025, 6, 3),
            home="home-1",
            staff_conduct=True,
            categories=["staff_attitude"],
            outcome="upheld",
            learning="Night shifts now have a senior on duty.",
        )
        await add_record(session, date(2025, 6, 4), home="home-2")
        everything = await report_figures(session, YEAR, Scope())
        manager = await report_figures(session, YEAR, Scope(homes=frozenset({"home-1"}), staff_conduct=False))
    assert everything.counts.complaints == 8
    assert everything.learning == ("Night shifts now have a senior on duty.",)
    assert manager.counts.complaints == 6
    assert [h.code for h in manager.by_home] == ["home-1"]
    assert manager.categories["staff_attitude"] == 0 and manager.learning == ()


async def test_small_numbers_in_a_home_never_reach_the_csv(db: async_sessionmaker) -> None:
    async with db() as session:
        for _ in range(7):
            await add_record(session, date(2025, 7, 1), home="home-1")
        for _ in range(6):
            await add_record(session, date(2025, 7, 1), home="home-2")
        for _ in range(3):
            await add_record(session, date(2025, 7, 1), home="home-3")
        fig = await report_figures(session, YEAR, Scope())
    rows = {line.split(",")[0]: line.split(",")[1] for line in csv_text(fig).splitlines() if line.startswith("home-")}
    # home-3's 3 is hidden, and so is home-2's 6, or 16 - 7 - 6 would give it away.
    assert rows == {"home-1": "7", "home-2": "withheld", "home-3": "fewer than 5"}
