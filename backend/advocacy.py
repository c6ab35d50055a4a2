"""Advocacy requests: storing them, finding the home's advocacy provider, and what the child is told."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.advocacy_notice.outbox import NOT_CONFIGURED, destinations, queue
from backend.anonymous_dates import day_only
from backend.casework.models import AdvocacyRequest
from backend.config import Settings
from backend.models import Submission
from backend.schemas import AdvocacyRequestCreate
from backend.staff.models import Home
from backend.timeutil import utcnow


class UnknownReferenceError(ValueError):
    pass


@dataclass(frozen=True)
class Provider:
    name: str
    phone: str | None
    email: str | None
    # Only the default provider (Settings) has one: a home's own provider is told by email.
    webhook_url: str | None = None


@dataclass(frozen=True)
class Created:
    record: AdvocacyRequest
    provider: Provider
    submission: Submission | None
    # Outbox rows to start sending once the transaction is committed.
    notice_ids: list[int]


async def provider_for(session: AsyncSession, settings: Settings, home_code: str) -> Provider:
    """The home's own provider if it has one, else the default from Settings."""
    home = await session.scalar(select(Home).where(Home.code == home_code))
    if home is not None and home.advocacy_name:
        return Provider(home.advocacy_name, home.advocacy_phone or None, home.advocacy_email or None)
    return Provider(
        settings.advocacy_provider_name,
        settings.advocacy_provider_phone or None,
        settings.advocacy_provider_email or None,
        settings.advocacy_provider_webhook_url or None,
    )


ADVOCATE = "An advocate is on your side. They can help you say what you want."


def what_happens_next(provider: Provider, *, notice: str, anonymous: bool, linked: bool, consent: bool) -> str:
    """Words for the child: "we have asked" only when a notice to the provider is really on its way."""
    if notice == NOT_CONFIGURED:
        parts = [f"I couldn't send your request to {provider.name} myself, so a member of staff will pass it on."]
        if provider.phone:
            parts.append(f"You can also phone them yourself on {provider.phone}.")
    elif anonymous:
        parts = [f"We have asked {provider.name} to get in touch with your home."]
    else:
        parts = [f"We have asked {provider.name} to get in touch with you. This usually starts within a few days."]
    parts.append(ADVOCATE)
    if anonymous:
        parts.append("You stayed anonymous, so they won't know your name. An adult you trust can help you meet them.")
    if linked and consent:
        parts.append(
            "You said they can see your complaint, so staff will pass that on too."
            if notice == NOT_CONFIGURED
            else "You said they can see your complaint, so we are sending it to them too."
        )
    elif linked:
        parts.append("You said they should not see your complaint. That is fine: you can tell them yourself.")
    return " ".join(parts)


async def create_advocacy_request(session: AsyncSession, settings: Settings, data: AdvocacyRequestCreate) -> Created:
    """Store the request and, in the same transaction, the notices that tell its provider."""
    submission = None
    if data.reference:
        submission = await session.scalar(select(Submission).where(Submission.reference == data.reference))
        if submission is None:
            raise UnknownReferenceError(data.reference)
    provider = await provider_for(session, settings, data.home)
    now = utcnow()
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
        created_at=day_only(now) if data.anonymous else now,
    )
    session.add(record)
    await session.flush()
    found, why_not = destinations(provider.email, provider.webhook_url, smtp_configured=settings.smtp is not None)
    notices = queue(session, record, found, why_not, now)
    await session.commit()
    return Created(record, provider, submission, [n.id for n in notices])
