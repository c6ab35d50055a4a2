"""What the advocacy provider receives: the minimum to get in touch, and the complaint only with consent.

Always: the home (name and code), the day the child asked, the request number. The child's
first name only if they gave it (an anonymous child is found through the home, which passes
the offer on). The complaint's reference and words only if the child agreed to share them.
Never the access code (the backend only holds its hash), the conversation or the time of day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.casework.models import AdvocacyRequest
from backend.deadlines import local_date
from backend.models import Submission
from backend.staff.models import Home


@dataclass(frozen=True)
class SharedComplaint:
    reference: str
    kind: str
    what_happened: str
    desired_outcome: str | None


@dataclass(frozen=True)
class NoticeFacts:
    request_id: int
    home_code: str
    home_name: str
    asked_on: date
    provider_name: str
    anonymous: bool
    first_name: str | None
    complaint: SharedComplaint | None


async def facts_for(session: AsyncSession, request: AdvocacyRequest) -> NoticeFacts:
    """Read at send time, so a retry sends the same facts the first try would have."""
    home_name = await session.scalar(select(Home.name).where(Home.code == request.home_code))
    complaint = None
    if request.consent_to_share and request.submission_id is not None:
        sub = await session.get(Submission, request.submission_id)
        if sub is not None:
            complaint = SharedComplaint(sub.reference, sub.kind, sub.what_happened, sub.desired_outcome)
    return NoticeFacts(
        request_id=request.id,
        home_code=request.home_code,
        home_name=home_name or request.home_code,
        asked_on=local_date(request.created_at),
        provider_name=request.provider_name,
        anonymous=request.anonymous,
        first_name=None if request.anonymous else request.first_name,
        complaint=complaint,
    )


def _day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def _how_to_reach(facts: NoticeFacts) -> str:
    if facts.first_name:
        return f"Their first name is {facts.first_name}. Please contact the home to arrange to meet them."
    why = "chose not to give their name" if facts.anonymous else "did not give their first name"
    return (
        f"They {why}, so we do not know who they are. Please contact the home: "
        "staff will pass on to the children that an advocate is available, so the child can come forward."
    )


def email_content(facts: NoticeFacts) -> tuple[str, str]:
    subject = f"Advocacy request #{facts.request_id} from a child at {facts.home_name}"
    lines = [
        f"Hello {facts.provider_name},",
        "",
        f"A child at {facts.home_name} (home code {facts.home_code}) asked for an advocate on "
        f"{_day(facts.asked_on)}, through the home's feedback assistant.",
        "",
        _how_to_reach(facts),
    ]
    if facts.complaint is not None:
        c = facts.complaint
        lines += [
            "",
            f"The child agreed that you may see their {c.kind}. Its reference is {c.reference}.",
            "",
            "What happened, in the child's words:",
            c.what_happened,
        ]
        if c.desired_outcome:
            lines += ["", "What they would like to happen:", c.desired_outcome]
    lines += [
        "",
        f"Please quote request #{facts.request_id} when you contact the home.",
        "",
        "This email holds personal information about a child. Keep it confidential, "
        "and delete it once you no longer need it.",
    ]
    return subject, "\n".join(lines)


def webhook_payload(facts: NoticeFacts) -> dict[str, Any]:
    c = facts.complaint
    return {
        "type": "advocacy_request",
        "request_id": facts.request_id,
        "home": {"code": facts.home_code, "name": facts.home_name},
        "asked_on": facts.asked_on.isoformat(),
        "provider": facts.provider_name,
        "anonymous": facts.anonymous,
        "first_name": facts.first_name,
        "how_to_reach": _how_to_reach(facts),
        "complaint": None
        if c is None
        else {
            "reference": c.reference,
            "kind": c.kind,
            "what_happened": c.what_happened,
            "desired_outcome": c.desired_outcome,
        },
    }
