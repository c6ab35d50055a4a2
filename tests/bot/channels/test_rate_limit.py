"""Token buckets on their own (bot/channels/rate_limit.py); the channels' use of them is in test_limits.py."""

from __future__ import annotations

import pytest

from bot.channels.rate_limit import (
    CHAT_ADDRESS_RATES,
    TABLET_RATES,
    Limiter,
    OncePer,
    Rate,
    address_key,
    admit,
    retry_after_header,
)
from tests.bot.channels.conftest import FakeClock


def _sends(limiter: Limiter, key: str, count: int) -> int:
    allowed = 0
    for _ in range(count):
        if admit((limiter, key)) == 0:
            allowed += 1
    return allowed


def test_a_burst_is_allowed_then_refused() -> None:
    clock = FakeClock()
    limiter = Limiter([Rate(burst=5, per_minute=6)], clock=clock)
    assert _sends(limiter, "tablet", 20) == 5
    # One token back every 10 s (6 a minute).
    assert limiter.wait_seconds("tablet") == pytest.approx(10.0)
    clock.now += 10
    assert _sends(limiter, "tablet", 20) == 1


def test_a_full_bucket_does_not_grow_past_its_burst() -> None:
    clock = FakeClock()
    limiter = Limiter([Rate(burst=3, per_minute=60)], clock=clock)
    _sends(limiter, "tablet", 1)
    clock.now += 3600
    assert _sends(limiter, "tablet", 10) == 3


def test_keys_are_counted_apart() -> None:
    limiter = Limiter([Rate(burst=2, per_minute=1)], clock=FakeClock())
    assert _sends(limiter, "a", 5) == 2
    assert _sends(limiter, "b", 5) == 2


def test_every_rate_must_allow_a_send() -> None:
    clock = FakeClock()
    # Burst of 5 refilled fast, but no more than 8 in a row, then 8 an hour.
    limiter = Limiter([Rate(burst=5, per_minute=60), Rate(burst=8, per_minute=8 / 60)], clock=clock)
    allowed = 0
    for _ in range(60):
        allowed += _sends(limiter, "tablet", 5)
        clock.now += 5
    assert allowed == 8
    clock.now += 160  # 7.5 minutes after the 8th send: one more of the 8 an hour
    assert _sends(limiter, "tablet", 5) == 1


def test_a_refused_send_uses_nothing_anywhere() -> None:
    clock = FakeClock()
    tablet = Limiter([Rate(burst=10, per_minute=1)], clock=clock)
    address = Limiter([Rate(burst=1, per_minute=1)], clock=clock)
    assert admit((tablet, "t"), (address, "a")) == 0
    for _ in range(5):
        assert admit((tablet, "t"), (address, "a")) > 0
    # The tablet's bucket paid only for the one send that went through.
    assert _sends(tablet, "t", 20) == 9


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(2.2) == "3"


def test_the_number_of_keys_kept_is_bounded() -> None:
    limiter = Limiter([Rate(burst=1, per_minute=1)], clock=FakeClock(), max_keys=3)
    for key in "abcd":
        admit((limiter, key))
    # "a" was forgotten (least recently used) and starts full again; "d" is still empty.
    assert limiter.wait_seconds("a") == 0
    assert limiter.wait_seconds("d") > 0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("[2001:db8:1:2:3:4:5:6]", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
        ("not an address", "not an address"),
    ],
)
def test_an_ipv6_network_is_one_address(address: str, key: str) -> None:
    assert address_key(address) == key


def test_the_defaults_are_generous_for_a_child_and_tight_for_a_script() -> None:
    clock = FakeClock()
    tablet = Limiter(TABLET_RATES, clock=clock)
    # A child tapping quickly: 18 answers, one a second, all go through.
    taps = 0
    for _ in range(18):
        taps += _sends(tablet, "child", 1)
        clock.now += 1
    assert taps == 18
    # Then a long chat: a message every 15 s for 40 minutes, all go through.
    chat = 0
    for _ in range(160):
        clock.now += 15
        chat += _sends(tablet, "child", 1)
    assert chat == 160
    # A loop on a fresh tablet for an hour, as fast as it can: a bounded number gets through.
    script = Limiter(TABLET_RATES, clock=clock)
    sent = 0
    for _ in range(3600):
        sent += _sends(script, "script", 10)
        clock.now += 1
    assert sent <= 150 + 150  # the 150 in a row, then 150 an hour
    assert CHAT_ADDRESS_RATES[0].burst > TABLET_RATES[0].burst  # a home's tablets may share an address


def test_a_flood_is_logged_once_a_minute_per_key() -> None:
    clock = FakeClock()
    once = OncePer(seconds=60, clock=clock)
    assert [once.due("tablet") for _ in range(100)].count(True) == 1
    assert once.due("another tablet")
    clock.now += 60
    assert once.due("tablet")
