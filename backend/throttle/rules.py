"""The login rule, for the staff login form and HTTP Basic on the API alike.

- An ADDRESS with too many wrong passwords is locked for a while, whatever account it tries.
- An ACCOUNT with many wrong passwords is only slowed: from clients it has not logged in from
  before, one try per growing delay (answered 429 with Retry-After). Its owner, from an address
  or a browser where she logged in before, is not slowed, so guessing her username can never
  lock her out.
- A browser holding the device cookie of an earlier good login is not locked with its address
  either (a shared home or office address), until that browser itself gets the password wrong
  a few times.

Every try is counted as a failure *before* the password is hashed and taken back if it was
right, so a burst of parallel guesses is counted in full and no refused try costs an argon2 hash.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import rowcount
from backend.models import StaffUser
from backend.ratelimit import failure_times, forget_failures, record_failure
from backend.throttle.models import ADDRESS, DEVICE, TrustedLoginClient

ADDRESS_SCOPE = "login_addr"
ACCOUNT_SCOPE = "login_account"
DEVICE_SCOPE = "login_device"

ADDRESS_LIMIT = 10
ADDRESS_WINDOW = timedelta(minutes=15)
# After this many failures in the window the account is slowed for unknown clients...
ACCOUNT_FREE_TRIES = 5
ACCOUNT_WINDOW = timedelta(hours=1)
# ...by this delay after the latest failure, doubling with each further failure, up to the cap.
FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(minutes=5)
# A remembered browser that gets the password wrong this often is trusted no more (in the window).
DEVICE_LIMIT = 5
# How long a good login keeps its address and browser trusted.
TRUST_FOR = timedelta(days=90)

DEVICE_COOKIE = "staff_device"
_DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class LoginAttempt:
    """Who is trying: the username as typed (lower case), the client address, the device cookie if any."""

    username: str
    address: str
    device_token: str | None = None

    @property
    def device_hash(self) -> str | None:
        return hashlib.sha256(self.device_token.encode()).hexdigest() if self.device_token else None


@dataclass(frozen=True)
class Refusal:
    """Staff-facing reason, and whole seconds until a try can be made again."""

    reason: str
    retry_after: int


@dataclass
class Pending:
    """The failures counted for a try before its password is checked."""

    failure_ids: list[int] = field(default_factory=list)
    trusted_device: bool = False


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


# Enough doublings to pass MAX_DELAY from FIRST_DELAY; more change nothing.
_MAX_DOUBLINGS = 32


def account_delay(failures: int) -> timedelta:
    """How long an unknown client waits after the latest failure; zero while under the free tries."""
    if failures < ACCOUNT_FREE_TRIES:
        return timedelta(0)
    # Capped before multiplying: dozens of failures would overflow timedelta (a 500 to an attacker).
    exponent = min(failures - ACCOUNT_FREE_TRIES, _MAX_DOUBLINGS)
    doublings: int = 2**exponent  # an int: the exponent is never negative here
    return min(FIRST_DELAY * doublings, MAX_DELAY)


async def _trusted(session: AsyncSession, user: StaffUser | None, kind: str, value: str | None, now: datetime) -> bool:
    if user is None or value is None:
        return False
    row = await session.scalar(
        select(TrustedLoginClient.id).where(
            TrustedLoginClient.staff_user_id == user.id,
            TrustedLoginClient.kind == kind,
            TrustedLoginClient.value == value,
            TrustedLoginClient.last_success_at > now - TRUST_FOR,
        )
    )
    return row is not None


async def _device_trusted(session: AsyncSession, attempt: LoginAttempt, user: StaffUser | None, now: datetime) -> bool:
    device = attempt.device_hash
    if not await _trusted(session, user, DEVICE, device, now):
        return False
    assert device is not None
    return len(await failure_times(session, DEVICE_SCOPE, device, now, ACCOUNT_WINDOW)) < DEVICE_LIMIT


async def begin(
    session: AsyncSession, attempt: LoginAttempt, user: StaffUser | None, now: datetime
) -> Refusal | Pending:
    """Decide before hashing: a Refusal (nothing stays counted), or the try counted as pending failures.

    Commits. The try is stored first and then compared with the others, so of many parallel
    tries no more than the limit go on to be hashed. `user` is the active account with that
    username, or None (an unknown name is treated the same, so answers do not say which exist).
    """
    trusted_device = await _device_trusted(session, attempt, user, now)
    pending = Pending(trusted_device=trusted_device)
    pending.failure_ids.append(await record_failure(session, ADDRESS_SCOPE, attempt.address, now))
    pending.failure_ids.append(await record_failure(session, ACCOUNT_SCOPE, attempt.username, now))
    if trusted_device and attempt.device_hash:
        pending.failure_ids.append(await record_failure(session, DEVICE_SCOPE, attempt.device_hash, now))
    await session.commit()
    refusal = await _refusal(session, attempt, user, pending, now)
    if refusal is not None:
        await forget_failures(session, pending.failure_ids)
        await session.commit()
        return refusal
    return pending


async def _refusal(
    session: AsyncSession, attempt: LoginAttempt, user: StaffUser | None, pending: Pending, now: datetime
) -> Refusal | None:
    if pending.trusted_device:
        return None
    others = pending.failure_ids
    times = await failure_times(session, ADDRESS_SCOPE, attempt.address, now, ADDRESS_WINDOW, others)
    if len(times) >= ADDRESS_LIMIT:
        wait = times[len(times) - ADDRESS_LIMIT] + ADDRESS_WINDOW - now
        return Refusal(
            f"Too many wrong passwords from this network address. Try again in {_minutes(wait)}.", _seconds(wait)
        )
    if await _trusted(session, user, ADDRESS, attempt.address, now):
        return None
    times = await failure_times(session, ACCOUNT_SCOPE, attempt.username, now, ACCOUNT_WINDOW, others)
    wait = times[-1] + account_delay(len(times)) - now if times else timedelta(0)
    if wait > timedelta(0):
        return Refusal(
            "This account has had many wrong passwords, so each new try has to wait. "
            f"Try again in {_seconds(wait)} seconds. (From a computer you have logged in from "
            "before, you are not kept waiting.)",
            _seconds(wait),
        )
    return None


async def succeeded(
    session: AsyncSession,
    attempt: LoginAttempt,
    pending: Pending,
    user: StaffUser,
    now: datetime,
    *,
    browser: bool = True,
) -> str | None:
    """The password was right: take the pending failures back and trust this address (and browser).

    Returns the device cookie value to (re)set, None for an API client (`browser` False). A browser
    that already has one keeps it, so colleagues sharing an office computer are each remembered on it.
    """
    await forget_failures(session, pending.failure_ids)
    await _remember(session, user, ADDRESS, attempt.address, now)
    if not browser:
        return None
    token = attempt.device_token
    if token is None or not _DEVICE_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    await _remember(session, user, DEVICE, hashlib.sha256(token.encode()).hexdigest(), now)
    return token


async def _remember(session: AsyncSession, user: StaffUser, kind: str, value: str, now: datetime) -> None:
    row = await session.scalar(
        select(TrustedLoginClient).where(
            TrustedLoginClient.staff_user_id == user.id,
            TrustedLoginClient.kind == kind,
            TrustedLoginClient.value == value,
        )
    )
    if row is None:
        session.add(TrustedLoginClient(staff_user_id=user.id, kind=kind, value=value, last_success_at=now))
    else:
        row.last_success_at = now
    await session.flush()


async def purge_trusted_clients(session: AsyncSession, now: datetime) -> int:
    """Forget clients whose last good login is older than TRUST_FOR (the retention job)."""
    result = await session.execute(
        delete(TrustedLoginClient).where(TrustedLoginClient.last_success_at < now - TRUST_FOR)
    )
    return rowcount(result) or 0


def _minutes(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
