"""Settings read once from the environment, with typed defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time

from backend.advocacy_notice.settings import AdvocacyNoticeSettings, advocacy_notice_from_env
from backend.alerts.settings import SafeguardingSettings, _url, safeguarding_from_env
from backend.concerns.settings import ConcernSettings, concerns_from_env
from backend.retention.settings import RetentionSettings, retention_from_env
from backend.staff.sessions import max_hours_from_env
from backend.staff.tls import secure_cookies
from backend.throttle.address import normalise

DEFAULT_SQLITE_PATH = "var/backend.sqlite3"


@dataclass(frozen=True)
class SmtpSettings:
    """Where staff emails go (reminders, safeguarding alerts). Absent means: log instead."""

    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "noreply@localhost"
    # "starttls" (port 587), "tls" (implicit, port 465) or "none" (a local relay).
    security: str = "starttls"
    timeout_seconds: float = 10.0


def _smtp_from_env(env: Mapping[str, str]) -> SmtpSettings | None:
    host = env.get("SMTP_HOST", "").strip()
    if not host:
        return None
    security = env.get("SMTP_SECURITY", "starttls").lower()
    if security not in {"starttls", "tls", "none"}:
        raise RuntimeError("SMTP_SECURITY must be starttls, tls or none")
    return SmtpSettings(
        host=host,
        port=int(env.get("SMTP_PORT", "465" if security == "tls" else "587")),
        username=env.get("SMTP_USERNAME", ""),
        password=env.get("SMTP_PASSWORD", ""),
        sender=env.get("SMTP_FROM", "noreply@localhost"),
        security=security,
    )


def _closure_days(raw: str) -> tuple[date, ...]:
    """CLOSURE_DAYS="2026-12-24,2026-12-31": days the service is closed besides bank holidays."""
    try:
        return tuple(sorted(date.fromisoformat(part.strip()) for part in raw.split(",") if part.strip()))
    except ValueError as exc:
        raise RuntimeError(f"CLOSURE_DAYS must be comma-separated YYYY-MM-DD dates: {exc}") from exc


def _trusted_proxies(raw: str) -> frozenset[str]:
    """TRUSTED_PROXIES="127.0.0.1,::1": addresses of the reverse proxies in front of the backend."""
    return frozenset(normalise(part) for part in raw.split(",") if part.strip())


def normalise_database_url(url: str) -> str:
    """Map plain driver-less URLs onto the async drivers the backend uses."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://") :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    service_token: str
    host: str = "127.0.0.1"
    port: int = 8000
    default_home: str = "home-1"
    # Staff sessions end after this many minutes without a request,
    session_idle_minutes: int = 30
    # and this many hours after logging in, however busy (backend/staff/sessions.py).
    session_absolute_hours: float = 12.0
    # Only send the session cookie over HTTPS; from the environment: on unless bound to loopback (staff/tls.py).
    cookie_secure: bool = False
    # Reverse proxies whose X-Forwarded-For names the client (login throttling counts per address).
    trusted_proxies: frozenset[str] = frozenset()
    closure_days: tuple[date, ...] = ()
    smtp: SmtpSettings | None = None
    # Daily reminder of due and overdue cases, Europe/London time; None switches the job off.
    reminder_time: time | None = time(8, 0)
    # Link put in reminder emails.
    public_url: str = "http://127.0.0.1:8000"
    # Used for a home that has no advocacy provider of its own.
    advocacy_provider_name: str = "the local advocacy service"
    advocacy_provider_phone: str = ""
    advocacy_provider_email: str = ""
    # The default provider may also (or instead) take a JSON POST per request; not used for homes with their own.
    advocacy_provider_webhook_url: str = ""
    # How telling the provider is retried (backend/advocacy_notice/settings.py).
    advocacy_notice: AdvocacyNoticeSettings = field(default_factory=AdvocacyNoticeSettings)
    # Safeguarding alerts: notifiers, escalation list, Rasa for handoff (backend/alerts/settings.py).
    safeguarding: SafeguardingSettings = field(default_factory=SafeguardingSettings)
    # Safeguarding concerns: who else is reminded of unread ones, how often (backend/concerns/settings.py).
    concerns: ConcernSettings = field(default_factory=ConcernSettings)
    # What is deleted when: conversations, alert and concern transcripts (backend/retention/settings.py).
    retention: RetentionSettings = field(default_factory=RetentionSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, need_service_token: bool = True) -> Settings:
        """`need_service_token=False` for commands that never check the actions' calls (users, migrate, purge)."""
        env = os.environ if env is None else env
        token = env.get("SERVICE_TOKEN", "")
        if need_service_token and len(token) < 32:
            raise RuntimeError(
                "SERVICE_TOKEN must be set to a random string of at least 32 characters "
                "(make setup writes one to var/secrets.env)"
            )
        port = int(env.get("BACKEND_PORT", "8000"))
        return cls(
            database_url=normalise_database_url(
                env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}"
            ),
            service_token=token,
            host=env.get("BACKEND_HOST", "127.0.0.1"),
            port=port,
            default_home=env.get("HOME_CODE", "home-1"),
            session_idle_minutes=int(env.get("STAFF_SESSION_IDLE_MINUTES", "30")),
            session_absolute_hours=max_hours_from_env(env.get("STAFF_SESSION_MAX_HOURS", "12")),
            cookie_secure=secure_cookies(env.get("BACKEND_HOST", "127.0.0.1"), env.get("COOKIE_SECURE", "")),
            trusted_proxies=_trusted_proxies(env.get("TRUSTED_PROXIES", "")),
            closure_days=_closure_days(env.get("CLOSURE_DAYS", "")),
            smtp=_smtp_from_env(env),
            reminder_time=(
                None
                if env.get("REMINDER_TIME", "08:00").lower() in {"", "off", "none"}
                else time.fromisoformat(env.get("REMINDER_TIME", "08:00"))
            ),
            public_url=env.get("PUBLIC_URL", f"http://{env.get('BACKEND_HOST', '127.0.0.1')}:{port}").rstrip("/"),
            advocacy_provider_name=env.get("ADVOCACY_PROVIDER_NAME", "the local advocacy service"),
            advocacy_provider_phone=env.get("ADVOCACY_PROVIDER_PHONE", ""),
            advocacy_provider_email=env.get("ADVOCACY_PROVIDER_EMAIL", ""),
            advocacy_provider_webhook_url=(
                _url(hook, "ADVOCACY_PROVIDER_WEBHOOK_URL")
                if (hook := env.get("ADVOCACY_PROVIDER_WEBHOOK_URL", "").strip())
                else ""
            ),
            advocacy_notice=advocacy_notice_from_env(env),
            safeguarding=safeguarding_from_env(env),
            concerns=concerns_from_env(env),
            retention=retention_from_env(env),
        )
