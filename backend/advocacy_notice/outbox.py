"""Queueing the notices for a new advocacy request, and summing them up on the request.

The request's provider_notice is what the child is told and what staff see:
- "pending": at least one notice is queued and none has arrived yet;
- "delivered": one has arrived (provider_notified_at says when);
- "failed": every notice gave up after its last attempt (staff must pass it on);
- "not_configured": there was nowhere to send it (staff must pass it on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.alerts.models import FAILED, PENDING, SENT
from backend.anonymous_dates import day_only
from backend.casework.models import AdvocacyNotice, AdvocacyRequest

DELIVERED = "delivered"
NOT_CONFIGURED = "not_configured"
# The provider has not been told and will not be by this service: someone has to do it by hand.
UNDELIVERED = (FAILED, NOT_CONFIGURED)


@dataclass(frozen=True)
class Destination:
    channel: str  # "email" | "webhook"
    target: str


def destinations(email: str | None, webhook_url: str | None, smtp_configured: bool) -> tuple[list[Destination], str]:
    """Where the provider can be told, and (when nowhere) why not, in words for staff."""
    found = []
    if email and smtp_configured:
        found.append(Destination("email", email))
    if webhook_url:
        found.append(Destination("webhook", webhook_url))
    if found:
        return found, ""
    if email:
        return [], f"the provider's address is {email}, but no mail server is configured (SMTP_HOST)"
    return [], "no email address or webhook is configured for this provider"


def queue(
    session: AsyncSession, request: AdvocacyRequest, found: list[Destination], why_not: str, now: datetime
) -> list[AdvocacyNotice]:
    """Add the outbox rows in the request's own transaction (the request is flushed, so it has an id);
    the caller commits, then kicks them."""
    if not found:
        request.provider_notice, request.provider_notice_error = NOT_CONFIGURED, why_not
        return []
    request.provider_notice = PENDING
    # An anonymous request keeps no time of day (backend/anonymous_dates.py); the start of the day is due now.
    at = day_only(now) if request.anonymous else now
    notices = [
        AdvocacyNotice(
            request_id=request.id, channel=d.channel, target=d.target, status=PENDING, next_attempt_at=at, created_at=at
        )
        for d in found
    ]
    session.add_all(notices)
    return notices


def summarise(request: AdvocacyRequest, notices: list[AdvocacyNotice]) -> None:
    """The request's provider_notice from its notices (after each attempt)."""
    sent = sorted(n.sent_at for n in notices if n.status == SENT and n.sent_at is not None)
    request.provider_notice_attempts = sum(n.attempts for n in notices)
    errors = [f"{n.channel}: {n.last_error}" for n in notices if n.status != SENT and n.last_error]
    request.provider_notice_error = "; ".join(errors) or None
    if sent:
        request.provider_notice = DELIVERED
        request.provider_notified_at = day_only(sent[0]) if request.anonymous else sent[0]
    elif any(n.status == PENDING for n in notices):
        request.provider_notice = PENDING
    else:
        request.provider_notice = FAILED


def settle_times(request: AdvocacyRequest, notice: AdvocacyNotice) -> None:
    """A settled notice of an anonymous request keeps only the day, like the request itself."""
    if request.anonymous and notice.status != PENDING:
        notice.created_at = day_only(notice.created_at)
        notice.next_attempt_at = day_only(notice.next_attempt_at)
        if notice.sent_at is not None:
            notice.sent_at = day_only(notice.sent_at)
