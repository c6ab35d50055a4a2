"""Advocacy requests: storing them and finding the home's advocacy provider."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.anonymous_dates import day_only
from backend.config import Settings
from backend.models import Submission
from backend.schemas import AdvocacyRequestCreate
from backend.staff.models import Home
from backend.timeutil import utcnow
from backend.workflow.models import AdvocacyRequest


class UnknownReferenceError(ValueError):
    pass


@dataclass(frozen=True)
class Provider:
    name: str
    phone: str | None
    email: str | None


async def provider_for(session: AsyncSession, settings: Settings, home_code: str) -> Provider:
    """The home's own provider if it has one, else the default from Settings."""
    home = await session.scalar(select(Home).where(Home.code == home_code))
    if home is not None and home.advocacy_name:
        return Provider(home.advocacy_name, home.advocacy_phone or None, home.advocacy_email or None)
    return Provider(
        settings.advocacy_provider_name,
        settings.advocacy_provider_phone or None,
        settings.advocacy_provider_email or None,
    )


def what_happens_next(provider: Provider, linked: bool, consent: bool) -> str:
    """Words for the child: honest about who is told and what they share."""
    text = (
        f"We will ask {provider.name} to get in touch. An advocate is on your side. "
        "They can help you say what you want. This usually starts within a few days."
    )
    if linked and consent:
        text += " You said they can see your complaint, so you will not have to say it all again."
    elif linked:
        text += " You said they should not see your complaint. That is fine: you can tell them yourself."
    return text


async def create_advocacy_request(
    session: AsyncSession, settings: Settings, data: AdvocacyRequestCreate
) -> tuple[AdvocacyRequest, Provider, Submission | None]:
    submission = None
    if data.reference:
        submission = await session.scalar(select(Submission).where(Submission.reference == data.reference))
        if submission is None:
            raise UnknownReferenceError(data.reference)
    provider = await provider_for(session, settings, data.home)
    record = AdvocacyRequest(
        home_code=data.home,
        submission_id=submission.id if submission else None,
        anonymous=data.anonymous,
        # Anonymous means anonymous here too: no name, no link to the conversation.
        first_name=None if data.anonymous else data.first_name,
        conversation_id=None if data.anonymous else data.conversation_id,
        consent_to_share=data.consent_to_share,
        provider_name=provider.name,
        status="new",
        created_at=day_only(utcnow()) if data.anonymous else utcnow(),
    )
    session.add(record)
    await session.commit()
    return record, provider, submission
