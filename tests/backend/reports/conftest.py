"""One database filled with the seed-like demo data, shared by the tests that only read it."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from backend.db import make_engine, make_sessionmaker, migrate
from backend.deadlines import WorkingCalendar
from backend.reports.demo import DemoSummary, fill_like_seed_report

YEAR = date(2025, 4, 1)
TODAY = date(2026, 11, 29)


async def _fill(url: str) -> DemoSummary:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return await fill_like_seed_report(session, YEAR, TODAY, WorkingCalendar(), with_history=True)
    finally:
        await engine.dispose()


@pytest.fixture(scope="package")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file with the demo year and the two before it. Read it; never change it."""
    path: Path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    migrate(url)
    asyncio.run(_fill(url))
    return url
