"""Hand-made records for report tests: a submission and its case, findings and timeline, written directly."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import AdvocacyRequest, Case, CaseEvent, CaseOutcome
from backend.deadlines import LONDON
from backend.models import Submission

# (stage, outcome, responded_on, working_days, remedies)
Finding = tuple[str, str, date, int | None, list[str]]


async def add_record(
    session: AsyncSession,
    received: date,
    *,
    kind: str = "complaint",
    home: str = "home-1",
    route: str = "statutory",
    services: list[str] | None = None,
    staff_conduct: bool = False,
    complainant: str = "child",
    via: str = "tablet",
    categories: list[str] | None = None,
    findings: Sequence[Finding] = (),
    events: Sequence[tuple[str, date]] = (),
    outcome: str | None = None,
    learning: str | None = None,
    advocacy: bool = False,
    advocacy_offered: bool = False,
) -> Case:
    submission = Submission(
        reference=f"CMP-{secrets.token_hex(3).upper()}",
        kind=kind,
        what_happened="Something happened",
        anonymous=True,
        home_code=home,
        received_at=datetime.combine(received, time(0), tzinfo=LONDON).astimezone(UTC),
        access_code_hash="x",
        status="received",
    )
    case = Case(
        submission=submission,
        state="received",
        received_on=received,
        categories=categories or [],
        remedies=[],
        staff_conduct=staff_conduct,
        services=services or [home],
        route=route,
        complainant=complainant,
        received_via=via,
        outcome=outcome,
        learning=learning,
        advocacy_offered=advocacy_offered,
        panel_members=[],
    )
    session.add(case)
    await session.flush()
    for stage, result, on, days, remedies in findings:
        session.add(
            CaseOutcome(
                case_id=case.id,
                stage=stage,
                outcome=result,
                remedies=remedies,
                responded_on=on,
                working_days=days,
                recorded_at=datetime.now(UTC),
            )
        )
    for action, on in events:
        session.add(
            CaseEvent(case_id=case.id, actor_username="test", action=action, from_state="x", to_state="y", on=on)
        )
    if advocacy:
        session.add(
            AdvocacyRequest(
                home_code=home,
                submission_id=submission.id,
                anonymous=True,
                consent_to_share=True,
                provider_name="Advocacy service",
            )
        )
    await session.commit()
    return case
