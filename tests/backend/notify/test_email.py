"""send_email against a real SMTP conversation on a loopback port."""

from __future__ import annotations

import socket

import pytest

from backend.config import SmtpSettings
from backend.notify.email import EmailFailedError, send_email
from tests.backend.notify.smtp_server import SmtpServer


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="cases@home.example", security="none", timeout_seconds=5)


async def test_email_is_delivered_with_subject_body_and_recipients(smtp: SmtpServer) -> None:
    await send_email(settings_for(smtp.port), ["a@x.example", "b@x.example"], "Hello", "Line one\nLine two")
    (mail,) = smtp.received
    assert mail.sender == "cases@home.example"
    assert mail.recipients == ["a@x.example", "b@x.example"]
    assert mail.message["Subject"] == "Hello"
    assert "Line two" in mail.message.get_payload()


async def test_a_temporary_failure_is_retried(smtp: SmtpServer) -> None:
    smtp.fail_first = 1
    await send_email(settings_for(smtp.port), ["a@x.example"], "Retry", "body", backoff_seconds=0.01)
    assert len(smtp.received) == 1


async def test_no_server_raises_after_all_attempts() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(EmailFailedError):
        await send_email(settings_for(port), ["a@x.example"], "x", "y", attempts=2, backoff_seconds=0.01)


async def test_a_subject_cannot_inject_headers(smtp: SmtpServer) -> None:
    await send_email(settings_for(smtp.port), ["a@x.example"], "Hi\nBcc: evil@x.example", "body")
    (mail,) = smtp.received
    assert mail.message["Bcc"] is None
    assert mail.recipients == ["a@x.example"]
