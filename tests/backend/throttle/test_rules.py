"""The account delay grows by doubling, stops at its ceiling and never overflows."""

from __future__ import annotations

from backend.throttle.rules import ACCOUNT_FREE_TRIES, FIRST_DELAY, MAX_DELAY, account_delay


def test_the_delay_doubles_after_the_free_tries_and_stops_at_the_ceiling() -> None:
    assert account_delay(ACCOUNT_FREE_TRIES - 1).total_seconds() == 0
    assert account_delay(ACCOUNT_FREE_TRIES) == FIRST_DELAY
    assert account_delay(ACCOUNT_FREE_TRIES + 1) == FIRST_DELAY * 2
    assert account_delay(ACCOUNT_FREE_TRIES + 20) == MAX_DELAY


def test_thousands_of_failures_still_give_the_ceiling_not_an_error() -> None:
    # Before the cap, about 48 failures overflowed timedelta and the login answered 500.
    assert account_delay(ACCOUNT_FREE_TRIES + 5000) == MAX_DELAY
