"""Clients a member of staff has logged in from: they are not slowed by other people's wrong guesses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, UTCDateTime
from backend.timeutil import utcnow

# kind: an address the right password came from, or a browser holding the device cookie it was given.
ADDRESS = "address"
DEVICE = "device"


class TrustedLoginClient(Base):
    """One address or device (the SHA-256 of its cookie, never the cookie) with a recent good login."""

    __tablename__ = "staff_login_clients"
    __table_args__ = (UniqueConstraint("staff_user_id", "kind", "value", name="uq_staff_login_clients"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
