"""Token-bucket rate limits, kept in memory.

One Rasa process serves the chat page (the in-memory lock store is the
deployment this project makes; several Rasa replicas would need a shared store
such as Redis for these counts too). Buckets are per key (a tablet id, an
address) and bounded in number, least recently used forgotten first.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """`burst` sends at once, refilled at `per_minute` (a bucket of that size)."""

    burst: int
    per_minute: float

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_minute <= 0:
            raise ValueError(f"a rate needs burst >= 1 and per_minute > 0, got {self}")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class Limiter:
    """Several buckets per key (say, a short burst and an hourly cap); a send needs a token in each."""

    def __init__(
        self, rates: Sequence[Rate], clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if not rates:
            raise ValueError("a limiter needs at least one rate")
        self._rates = tuple(rates)
        self._clock = clock
        self._max_keys = max_keys
        # key -> (tokens left in each bucket, when they were last topped up)
        self._buckets: OrderedDict[str, tuple[list[float], float]] = OrderedDict()

    def wait_seconds(self, key: str) -> float:
        """0 when a send is allowed now; otherwise how long until it would be."""
        tokens = self._refilled(key)
        waits = [(1.0 - left) / rate.per_second for left, rate in zip(tokens, self._rates, strict=True) if left < 1.0]
        return max(waits, default=0.0)

    def take(self, key: str) -> None:
        """Use one send; call after wait_seconds() said 0."""
        tokens = self._refilled(key)
        self._buckets[key] = ([left - 1.0 for left in tokens], self._clock())

    def _refilled(self, key: str) -> list[float]:
        now = self._clock()
        stored = self._buckets.get(key)
        if stored is None:
            tokens = [float(rate.burst) for rate in self._rates]
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return tokens
        self._buckets.move_to_end(key)
        left, then = stored
        elapsed = max(0.0, now - then)
        tokens = [
            min(float(rate.burst), held + elapsed * rate.per_second)
            for held, rate in zip(left, self._rates, strict=True)
        ]
        self._buckets[key] = (tokens, now)
        return tokens


class OncePer:
    """True at most once per `seconds` for each key: a flood must not flood the log as well."""

    def __init__(
        self, seconds: float = 60.0, clock: Callable[[], float] = time.monotonic, max_keys: int = 1000
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._max_keys = max_keys
        self._last: OrderedDict[str, float] = OrderedDict()

    def due(self, key: str) -> bool:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._seconds:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > self._max_keys:
            self._last.popitem(last=False)
        return True


def retry_after_header(wait_seconds: float) -> str:
    """Whole seconds, at least 1 (RFC 9110: delay-seconds)."""
    return str(max(1, math.ceil(wait_seconds)))


def address_key(address: str) -> str:
    """The key an address is counted under: an IPv6 /64 is one household or device, not 2^64 of them."""
    bare = address.strip("[]")
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return bare or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def admit(*checks: tuple[Limiter, str]) -> float:
    """Use one send from every (limiter, key) and return 0; or, if any refuses, use none and
    return how long to wait (a refused send must not cost the client anything more)."""
    wait = max(limiter.wait_seconds(key) for limiter, key in checks)
    if wait == 0.0:
        for limiter, key in checks:
            limiter.take(key)
    return wait


# A child types at most a message every couple of seconds and taps buttons in bursts (the
# page sends one at a time, each after the answer to the last): 20 at once, then one every
# 3 s; and 150 in a row, then 150 an hour (a few children's whole conversations). A script
# looping on one tablet gets that far and no further.
TABLET_RATES = (Rate(burst=20, per_minute=20), Rate(burst=150, per_minute=2.5))
# A home's few tablets may share one address (NAT): room for several at once. This is what
# stops one address from using many tablet tokens to get around the per-tablet limit.
CHAT_ADDRESS_RATES = (Rate(burst=120, per_minute=60), Rate(burst=900, per_minute=15))
# The page polls for staff messages every few seconds while a chat is open: twice that
# rate is honest use; anything faster is a script reading the tracker store in a loop.
POLL_RATES = (Rate(burst=30, per_minute=60),)
# The REST channel's callers hold RASA_AUTH_TOKEN (tests, evaluation, the benchmark): a safety
# net against a runaway loop, not a limit on honest use.
REST_ADDRESS_RATES = (Rate(burst=300, per_minute=600),)
