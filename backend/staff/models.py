"""Tables for homes, staff sessions, the audit log and failed-guess counting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, UTCDateTime
from backend.timeutil import utcnow


class Home(Base):
    """A children's home. `code` is what the tablet sends as `home`."""

    __tablename__ = "homes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Each home may use its own advocacy provider; empty means the default from Settings.
    advocacy_name: Mapped[str | None] = mapped_column(String(200))
    advocacy_phone: Mapped[str | None] = mapped_column(String(64))
    advocacy_email: Mapped[str | None] = mapped_column(String(200))


class HomeManager(Base):
    """Which managers look after which homes (a manager may have several)."""

    __tablename__ = "home_managers"

    home_id: Mapped[int] = mapped_column(ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)


class StaffSession(Base):
    """A server-side login session; the cookie holds a random token, the DB only its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Append-only (the migration adds triggers that refuse UPDATE and DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    # Kept as text so the entry still says who it was if the account is later renamed.
    actor_username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    home_code: Mapped[str | None] = mapped_column(String(64), index=True)


class FailedAttempt(Base):
    """One wrong guess (status-check access code, staff password), counted per key per hour."""

    __tablename__ = "failed_attempts"
    __table_args__ = (Index("ix_failed_attempts_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
