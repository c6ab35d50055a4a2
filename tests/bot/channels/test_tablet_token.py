"""The signed tablet token on its own (bot/channels/tablet_token.py)."""

from __future__ import annotations

import time

import jwt
import pytest

from bot.channels.tablet_token import AUDIENCE, TabletTokenError, TabletTokens

KEY = "a-tablet-token-key-of-enough-length-0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()  # PyJWT checks expiry against the wall clock as well

    def __call__(self) -> float:
        return self.now


def test_a_token_names_its_home_and_a_random_tablet_id() -> None:
    tokens = TabletTokens(KEY)
    token, issued = tokens.issue("oak-house")
    tablet = tokens.verify(token)
    assert tablet == issued
    assert tablet.home == "oak-house"
    assert len(tablet.tablet_id) >= 16
    assert tokens.issue("oak-house")[1].tablet_id != tablet.tablet_id


def test_a_token_lasts_a_year_by_default_then_expires() -> None:
    clock = Clock()
    tokens = TabletTokens(KEY, clock=clock)
    token, issued = tokens.issue("oak-house")
    assert issued.expires_at - clock.now == pytest.approx(365 * 24 * 3600, abs=1)
    clock.now += 364 * 24 * 3600
    assert tokens.verify(token).home == "oak-house"
    clock.now += 2 * 24 * 3600
    with pytest.raises(TabletTokenError, match="expired"):
        tokens.verify(token)


def test_a_token_past_its_time_on_the_wall_clock_is_refused() -> None:
    past = Clock()
    past.now -= 3600
    token, _ = TabletTokens(KEY, lifetime_seconds=60, clock=past).issue("oak-house")
    with pytest.raises(TabletTokenError, match="expired"):
        TabletTokens(KEY).verify(token)


@pytest.mark.parametrize("token", [None, "", "x", "a.b.c"])
def test_nothing_or_garbage_is_refused(token: str | None) -> None:
    with pytest.raises(TabletTokenError):
        TabletTokens(KEY).verify(token)


def test_another_key_is_refused() -> None:
    token, _ = TabletTokens("another-key-entirely-of-enough-length-000").issue("oak-house")
    with pytest.raises(TabletTokenError, match="signature"):
        TabletTokens(KEY).verify(token)


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "something-else", "home": "oak-house", "tid": "t" * 22},
        {"home": "oak-house", "tid": "t" * 22},
        {"aud": AUDIENCE, "tid": "t" * 22},
        {"aud": AUDIENCE, "home": "oak-house"},
        {"aud": AUDIENCE, "home": "../../etc", "tid": "t" * 22},
        {"aud": AUDIENCE, "home": "oak-house", "tid": "short"},
        {"aud": AUDIENCE, "home": ["oak-house"], "tid": "t" * 22},
    ],
)
def test_tokens_signed_with_our_key_but_not_made_by_setup_are_refused(claims: dict[str, object]) -> None:
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 60, **claims}, KEY, algorithm="HS256")
    with pytest.raises(TabletTokenError):
        TabletTokens(KEY).verify(token)


def test_a_token_without_an_expiry_is_refused() -> None:
    token = jwt.encode({"aud": AUDIENCE, "home": "oak-house", "tid": "t" * 22, "iat": 1}, KEY, algorithm="HS256")
    with pytest.raises(TabletTokenError):
        TabletTokens(KEY).verify(token)


def test_only_hs256_is_accepted() -> None:
    now = int(time.time())
    claims = {"aud": AUDIENCE, "home": "oak-house", "tid": "t" * 22, "iat": now, "exp": now + 60}
    token = jwt.encode(claims, KEY, algorithm="HS512")
    with pytest.raises(TabletTokenError):
        TabletTokens(KEY).verify(token)


def test_short_keys_and_odd_lifetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        TabletTokens("too-short")
    with pytest.raises(ValueError, match="lifetime"):
        TabletTokens(KEY, lifetime_seconds=0)
    with pytest.raises(ValueError, match="home code"):
        TabletTokens(KEY).issue("<b>")
