"""Which address a try is counted against."""

from __future__ import annotations

from backend.throttle.address import normalise


def test_an_ipv6_guesser_cannot_rotate_through_its_own_64() -> None:
    assert normalise("2001:db8:1:2::1") == normalise("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert normalise("2001:db8:1:3::1") != normalise("2001:db8:1:2::1")


def test_one_spelling_per_ipv4_client() -> None:
    assert normalise(" ::ffff:192.0.2.1 ") == normalise("192.0.2.1") == "192.0.2.1"


def test_garbage_is_kept_short_not_trusted() -> None:
    assert normalise("x" * 500) == "x" * 64
    assert normalise("") == "unknown"
