"""Sending one email over SMTP, with retries and backoff.

Used by the daily reminder and by the safeguarding alerts. Raises EmailFailedError
after the last attempt so callers can decide what a failure means for them.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage

import aiosmtplib

from backend.config import SmtpSettings

log = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class EmailFailedError(Exception):
    pass


def build_message(smtp: SmtpSettings, to: list[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    # Header injection guard: a subject is one line.
    message["Subject"] = " ".join(subject.splitlines())
    message.set_content(body)
    return message


async def send_email(
    smtp: SmtpSettings,
    to: list[str],
    subject: str,
    body: str,
    *,
    attempts: int = ATTEMPTS,
    backoff_seconds: float = BACKOFF_SECONDS,
) -> None:
    """Send a plain-text email to `to`; retry connection/SMTP errors with exponential backoff."""
    if not to:
        raise ValueError("no recipients")
    message = build_message(smtp, to, subject, body)
    last: Exception | None = None
    for attempt in range(1, attempts + 1):
        try:
            await aiosmtplib.send(
                message,
                hostname=smtp.host,
                port=smtp.port,
                username=smtp.username or None,
                password=smtp.password or None,
                use_tls=smtp.security == "tls",
                start_tls=True if smtp.security == "starttls" else False,
                timeout=smtp.timeout_seconds,
            )
            return
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            last = exc
            log.warning("email %r failed (attempt %d/%d): %s", subject, attempt, attempts, exc)
            if attempt < attempts:
                await asyncio.sleep(backoff_seconds * 2 ** (attempt - 1))
    raise EmailFailedError(str(last))
