"""Safeguarding alert settings: who is told, how, and who is next when nobody acknowledges.

Read from environment variables, optionally overlaid by a YAML file
(`SAFEGUARDING_CONFIG`, default `var/safeguarding.yml` when it exists).
This module imports nothing else from the backend, so `backend.config` can use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_CONFIG_PATH = "var/safeguarding.yml"
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


@dataclass(frozen=True)
class Contact:
    """One person (or inbox) to tell: by email, and/or a webhook of their own."""

    name: str
    email: str | None = None
    webhook_url: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.email or self.webhook_url or "contact"


@dataclass(frozen=True)
class RetryPolicy:
    """How an outbox row is retried (backend/alerts/dispatch.py): alerts and advocacy notices alike."""

    # This many attempts, waiting base * 2**n seconds (capped) between them.
    attempts: int = 6
    base_seconds: float = 2.0
    max_seconds: float = 300.0
    # A backend process claims a row for this long while sending it; if the process dies,
    # another one sends it once the time is up. Keep it well above the SMTP and webhook timeouts.
    claim_lease_seconds: float = 120.0


@dataclass(frozen=True)
class SafeguardingSettings:
    # Told the moment an alert arrives (e.g. the duty inbox, the safeguarding lead).
    notify_emails: tuple[str, ...] = ()
    # One JSON POST per alert and per escalation; carries no child's words.
    webhook_url: str | None = None
    # Unacknowledged for this long -> the next contact in the escalation list.
    escalate_after_seconds: float = 300.0
    escalation: tuple[Contact, ...] = ()
    # A home may have its own list; homes not listed use `escalation`.
    escalation_by_home: Mapping[str, tuple[Contact, ...]] = field(default_factory=dict)
    # Allegations against staff never go to the manager role (backend/alerts/routing.py): besides every
    # safeguarding lead and complaints officer account with an email, they go to these addresses,
    # this webhook (the general one is not used for them) and this escalation list (when empty: the
    # home's list without any manager's or auditor's address).
    staff_conduct_emails: tuple[str, ...] = ()
    staff_conduct_webhook_url: str | None = None
    staff_conduct_escalation: tuple[Contact, ...] = ()
    # Each notification: this many attempts, waiting base * 2**n seconds (capped) between them.
    retry_attempts: int = 6
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    # A backend process claims a notification for this long while sending it; if the process dies,
    # another one sends it once the time is up. Keep it well above the SMTP and webhook timeouts.
    claim_lease_seconds: float = 120.0
    # Rasa's HTTP API, for staff joining a conversation.
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    # How often the escalation loop looks for overdue alerts.
    tick_seconds: float = 1.0

    def escalation_for(self, home: str) -> tuple[Contact, ...]:
        return self.escalation_by_home.get(home, self.escalation)

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(
            self.retry_attempts, self.retry_base_seconds, self.retry_max_seconds, self.claim_lease_seconds
        )

    @property
    def has_notifier(self) -> bool:
        return bool(self.notify_emails or self.webhook_url or self.escalation or self.escalation_by_home)


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _email(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise RuntimeError(f"{where}: {value!r} is not an email address")
    return value.strip()


def _url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise RuntimeError(f"{where}: {value!r} must be an http(s) URL")
    return value.strip()


def _contact(raw: Any, where: str) -> Contact:
    """A contact is an email address, or a mapping {name, email, webhook}."""
    if isinstance(raw, str):
        address = _email(raw, where)
        return Contact(name=address, email=address)
    if not isinstance(raw, Mapping):
        raise RuntimeError(f"{where}: a contact is an email address or a mapping with name/email/webhook")
    email = _email(raw["email"], where) if raw.get("email") else None
    webhook = _url(raw["webhook"], where) if raw.get("webhook") else None
    if email is None and webhook is None:
        raise RuntimeError(f"{where}: a contact needs an email or a webhook")
    return Contact(name=str(raw.get("name") or email or webhook), email=email, webhook_url=webhook)


def _contacts(raw: Any, where: str) -> tuple[Contact, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = _split(raw)
    if not isinstance(raw, list | tuple):
        raise RuntimeError(f"{where} must be a list of contacts")
    return tuple(_contact(item, f"{where}[{i}]") for i, item in enumerate(raw))


def retry_policy_from_mapping(raw: Mapping[str, Any], where: str, default: RetryPolicy) -> RetryPolicy:
    """Keys attempts, base_seconds, max_seconds, claim_lease_seconds; a mistake stops start-up."""
    attempts = int(raw.get("attempts", default.attempts))
    if attempts < 1:
        raise RuntimeError(f"{where}: attempts must be at least 1")
    return RetryPolicy(
        attempts=attempts,
        base_seconds=_positive(raw.get("base_seconds", default.base_seconds), f"{where}: base_seconds"),
        max_seconds=_positive(raw.get("max_seconds", default.max_seconds), f"{where}: max_seconds"),
        claim_lease_seconds=_positive(
            raw.get("claim_lease_seconds", default.claim_lease_seconds), f"{where}: claim_lease_seconds"
        ),
    )


def _positive(value: Any, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise RuntimeError(f"{where} must be a number of seconds") from exc
    if number <= 0:
        raise RuntimeError(f"{where} must be more than 0")
    return number


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise RuntimeError(f"{path} must hold a mapping")
    return data


def safeguarding_from_env(env: Mapping[str, str] | None = None) -> SafeguardingSettings:
    """Environment first; a YAML file, when present, fills in or overrides."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {
        "notify_emails": _split(env.get("ALERT_NOTIFY_EMAILS", "")),
        "webhook": env.get("ALERT_WEBHOOK_URL", "").strip() or None,
        "escalate_after_seconds": env.get("ALERT_ESCALATE_AFTER_SECONDS", "300"),
        "escalation": env.get("ALERT_ESCALATION_LIST", ""),
        "retry_attempts": env.get("ALERT_RETRY_ATTEMPTS", "6"),
        "retry_base_seconds": env.get("ALERT_RETRY_BASE_SECONDS", "2"),
        "claim_lease_seconds": env.get("ALERT_CLAIM_LEASE_SECONDS", "120"),
        "staff_conduct_emails": _split(env.get("ALERT_STAFF_CONDUCT_EMAILS", "")),
        "staff_conduct_webhook": env.get("ALERT_STAFF_CONDUCT_WEBHOOK_URL", "").strip() or None,
        "staff_conduct_escalation": env.get("ALERT_STAFF_CONDUCT_ESCALATION_LIST", ""),
    }
    # Unset: use var/safeguarding.yml if it exists. Empty: no file. A path: it must exist.
    configured = env.get("SAFEGUARDING_CONFIG")
    path = Path(configured or DEFAULT_CONFIG_PATH)
    if configured and not path.is_file():
        raise RuntimeError(f"SAFEGUARDING_CONFIG points at {path}, which does not exist")
    if configured != "" and path.is_file():
        raw.update(load_yaml(path))
    return settings_from_mapping(
        raw,
        rasa_url=env.get("RASA_URL", "http://127.0.0.1:5005"),
        rasa_token=env.get("RASA_AUTH_TOKEN", ""),
    )


def settings_from_mapping(raw: Mapping[str, Any], **extra: Any) -> SafeguardingSettings:
    """Validate the settings (from env or YAML); a mistake stops start-up with the reason."""
    homes = raw.get("escalation_by_home") or {}
    if not isinstance(homes, Mapping):
        raise RuntimeError("escalation_by_home must map a home code to a list of contacts")
    attempts = int(raw.get("retry_attempts", 6))
    if attempts < 1:
        raise RuntimeError("retry_attempts must be at least 1")
    webhook = raw.get("webhook")
    conduct_webhook = raw.get("staff_conduct_webhook")
    return SafeguardingSettings(
        notify_emails=tuple(_email(e, "notify_emails") for e in _split_any(raw.get("notify_emails"))),
        webhook_url=_url(webhook, "webhook") if webhook else None,
        escalate_after_seconds=_positive(raw.get("escalate_after_seconds", 300), "escalate_after_seconds"),
        escalation=_contacts(raw.get("escalation"), "escalation"),
        escalation_by_home={str(code): _contacts(v, f"escalation_by_home.{code}") for code, v in homes.items()},
        staff_conduct_emails=tuple(
            _email(e, "staff_conduct_emails") for e in _split_any(raw.get("staff_conduct_emails"))
        ),
        staff_conduct_webhook_url=_url(conduct_webhook, "staff_conduct_webhook") if conduct_webhook else None,
        staff_conduct_escalation=_contacts(raw.get("staff_conduct_escalation"), "staff_conduct_escalation"),
        retry_attempts=attempts,
        retry_base_seconds=_positive(raw.get("retry_base_seconds", 2), "retry_base_seconds"),
        retry_max_seconds=_positive(raw.get("retry_max_seconds", 300), "retry_max_seconds"),
        claim_lease_seconds=_positive(raw.get("claim_lease_seconds", 120), "claim_lease_seconds"),
        tick_seconds=_positive(raw.get("tick_seconds", 1), "tick_seconds"),
        **extra,
    )


def _split_any(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return _split(value)
    return tuple(str(v) for v in value)
