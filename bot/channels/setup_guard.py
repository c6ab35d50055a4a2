"""Who may set a tablet's home: staff with the setup code (TABLET_SETUP_CODE).

With no code configured, setup is allowed only from the machine Rasa runs on, so
a fresh install is usable by whoever installed it and by nobody else. Wrong codes
are counted per address and locked out for a while, so the code cannot be guessed.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class SetupDecision(Enum):
    ALLOWED = "allowed"
    WRONG_CODE = "wrong_code"
    LOCAL_ONLY = "local_only"
    TOO_MANY_TRIES = "too_many_tries"


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass
class _Failures:
    count: int
    first_at: float


class SetupGuard:
    def __init__(
        self,
        setup_code: str | None,
        max_failures: int = 5,
        window_seconds: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._code = setup_code or None
        self._max_failures = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    @property
    def needs_code(self) -> bool:
        return self._code is not None

    def check(self, address: str, code: str) -> SetupDecision:
        if self._locked_out(address):
            return SetupDecision.TOO_MANY_TRIES
        if self._code is None:
            return SetupDecision.ALLOWED if is_loopback(address) else SetupDecision.LOCAL_ONLY
        if hmac.compare_digest(code.encode(), self._code.encode()):
            self._failures.pop(address, None)
            return SetupDecision.ALLOWED
        self._record_failure(address)
        return SetupDecision.WRONG_CODE

    def _locked_out(self, address: str) -> bool:
        failures = self._failures.get(address)
        if failures is None:
            return False
        if self._clock() - failures.first_at > self._window:
            del self._failures[address]
            return False
        return failures.count >= self._max_failures

    def _record_failure(self, address: str) -> None:
        failures = self._failures.get(address)
        if failures is None:
            self._failures[address] = _Failures(1, self._clock())
            while len(self._failures) > 1000:
                self._failures.popitem(last=False)
        else:
            failures.count += 1
