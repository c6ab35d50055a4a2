"""How one notification is sent: an email or a webhook POST. Raises on failure.

An alert's notification never carries the child's words: only category, severity, home,
time and a link to the alert page, where a logged-in member of staff reads the rest.
`email_once` and `post_json` are the two ways of sending; advocacy notices use them too.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from backend.alerts.models import Alert, AlertNotification
from backend.config import SmtpSettings
from backend.notify.email import send_email

WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=10)


class NotifierError(Exception):
    pass


def _what(alert: Alert) -> str:
    category = (alert.category or "unspecified").replace("_", " ")
    return f"{category}, severity {alert.severity or 'not given'}"


def alert_link(public_url: str, alert: Alert) -> str:
    return f"{public_url}/staff/alerts/{alert.id}"


def email_content(alert: Alert, note: AlertNotification, public_url: str) -> tuple[str, str]:
    escalated = note.reason.startswith("escalated")
    subject = (
        f"{'ESCALATED: ' if escalated else ''}Safeguarding alert #{alert.id} - {alert.home_code} - "
        f"{alert.severity or 'unspecified'}"
    )
    lines = [
        "A child may be at risk. Please act now."
        if not escalated
        else "This safeguarding alert has not been "
        "acknowledged yet, and you are the next person on the escalation list.",
        "",
        f"Alert: #{alert.id}",
        f"Home: {alert.home_code}",
        f"What: {_what(alert)}",
        f"Received (UTC): {alert.received_at:%Y-%m-%d %H:%M:%S}",
        f"How it was raised: {alert.source}",
        "",
        f"Open the alert, read what the child said and acknowledge it: {alert_link(public_url, alert)}",
        "",
        "The child's words are not in this email; log in to read them.",
    ]
    return subject, "\n".join(lines)


def webhook_payload(alert: Alert, note: AlertNotification, public_url: str) -> dict[str, Any]:
    return {
        "type": "safeguarding_alert",
        "event": "escalated" if note.reason.startswith("escalated") else "created",
        "alert_id": alert.id,
        "home": alert.home_code,
        "category": alert.category,
        "severity": alert.severity,
        "source": alert.source,
        "received_at": alert.received_at.isoformat(),
        "escalation_level": alert.escalation_level,
        "contact": note.contact_name,
        "link": alert_link(public_url, alert),
    }


async def email_once(smtp: SmtpSettings | None, to: str, subject: str, body: str) -> None:
    """One try: the dispatcher retries and records every attempt itself."""
    if smtp is None:
        raise NotifierError("no SMTP server configured (set SMTP_HOST)")
    await send_email(smtp, [to], subject, body, attempts=1)


async def post_json(http: aiohttp.ClientSession, url: str, payload: dict[str, Any]) -> None:
    async with http.post(url, json=payload, timeout=WEBHOOK_TIMEOUT) as r:
        if r.status >= 300:
            raise NotifierError(f"webhook answered HTTP {r.status}")


async def send_one(
    alert: Alert,
    note: AlertNotification,
    *,
    smtp: SmtpSettings | None,
    http: aiohttp.ClientSession,
    public_url: str,
) -> None:
    if note.channel == "email":
        subject, body = email_content(alert, note, public_url)
        await email_once(smtp, note.target, subject, body)
        return
    if note.channel == "webhook":
        await post_json(http, note.target, webhook_payload(alert, note, public_url))
        return
    raise NotifierError(f"unknown channel {note.channel!r}")
