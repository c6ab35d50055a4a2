"""The signed tablet token: which home a tablet belongs to, decided on the server.

Staff set a tablet up once with the setup code (POST /chat/setup); the server
then issues this token, and the chat channel reads the home from it on every
message. Nothing the browser sends can change the home.

A JWT signed with HS256 (PyJWT, already installed as Rasa's own dependency):
a standard format with well-tested expiry and audience checks, and the
algorithm pinned on decode so a token cannot choose its own ("none", RS/HS
confusion). The key is TABLET_TOKEN_KEY, a secret only the Rasa server holds.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import jwt

from bot.channels.chat_request import HOME_CODE

ALGORITHM = "HS256"
# Only our tablet tokens: a JWT made for anything else (Rasa's --jwt-secret API tokens) never passes.
AUDIENCE = "children-feedback/chat-tablet"
# A tablet stays set up for a year; then staff enter the setup code again. Browsers cap
# cookies at 400 days, so a longer lifetime would not be kept anyway.
DEFAULT_LIFETIME_SECONDS = 365 * 24 * 60 * 60
TABLET_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MIN_KEY_LENGTH = 32


class TabletTokenError(ValueError):
    """The token cannot be trusted; the message says why (for the 401 answer)."""


@dataclass(frozen=True)
class Tablet:
    """A set-up tablet: its home and its own random id (rate limits count per tablet)."""

    home: str
    tablet_id: str
    expires_at: int


class TabletTokens:
    def __init__(
        self,
        key: str,
        lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"TABLET_TOKEN_KEY must be a random string of at least {MIN_KEY_LENGTH} characters")
        if lifetime_seconds <= 0:
            raise ValueError("the tablet token lifetime must be more than 0 seconds")
        self._key = key
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock

    def issue(self, home: str) -> tuple[str, Tablet]:
        if not HOME_CODE.match(home):
            raise ValueError(f"not a home code: {home!r}")
        now = int(self._clock())
        tablet = Tablet(home=home, tablet_id=secrets.token_urlsafe(16), expires_at=now + self.lifetime_seconds)
        claims = {"aud": AUDIENCE, "home": home, "tid": tablet.tablet_id, "iat": now, "exp": tablet.expires_at}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM), tablet

    def verify(self, token: str | None) -> Tablet:
        if not token:
            raise TabletTokenError("this tablet is not set up: no tablet token (staff: open /chat/setup)")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["aud", "exp", "iat", "home", "tid"]},
            )
        except jwt.ExpiredSignatureError:
            raise TabletTokenError("the tablet token has expired: staff must set this tablet up again") from None
        except jwt.InvalidSignatureError:
            raise TabletTokenError("the tablet token is not valid: its signature does not match") from None
        except jwt.PyJWTError as error:
            raise TabletTokenError(f"the tablet token is not valid: {error}") from None
        home, tablet_id, expires_at = claims["home"], claims["tid"], claims["exp"]
        if not isinstance(home, str) or not HOME_CODE.match(home):
            raise TabletTokenError("the tablet token is not valid: bad home")
        if not isinstance(tablet_id, str) or not TABLET_ID.match(tablet_id):
            raise TabletTokenError("the tablet token is not valid: bad tablet id")
        # PyJWT checked exp against the wall clock; this checks it against ours too (tests move it).
        if expires_at <= self._clock():
            raise TabletTokenError("the tablet token has expired: staff must set this tablet up again")
        return Tablet(home=home, tablet_id=tablet_id, expires_at=int(expires_at))
