"""How provider notices are retried and how often the outbox is looked at.

Who the provider is (name, phone, email, webhook) is in `backend.config.Settings` and, per
home, on the Homes page. This module imports nothing else from the backend but the alert
settings, so `backend.config` can use it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from backend.alerts.settings import RetryPolicy, _positive, retry_policy_from_mapping

# Less urgent than a safeguarding alert, so it keeps trying for longer: about two and a half
# hours in all (10 s, 20 s, 40 s ... capped at an hour) before staff are asked to do it by hand.
DEFAULT_RETRY = RetryPolicy(attempts=10, base_seconds=10.0, max_seconds=3600.0, claim_lease_seconds=120.0)


@dataclass(frozen=True)
class AdvocacyNoticeSettings:
    retry: RetryPolicy = DEFAULT_RETRY
    # How often each backend process looks for notices nobody is sending (after a restart or a crash).
    tick_seconds: float = 5.0


def advocacy_notice_from_env(env: Mapping[str, str] | None = None) -> AdvocacyNoticeSettings:
    """A mistake stops start-up with the reason, like the alert settings."""
    env = os.environ if env is None else env
    raw = {
        key: env[name]
        for key, name in (
            ("attempts", "ADVOCACY_NOTICE_RETRY_ATTEMPTS"),
            ("base_seconds", "ADVOCACY_NOTICE_RETRY_BASE_SECONDS"),
            ("max_seconds", "ADVOCACY_NOTICE_RETRY_MAX_SECONDS"),
            ("claim_lease_seconds", "ADVOCACY_NOTICE_CLAIM_LEASE_SECONDS"),
        )
        if env.get(name, "").strip()
    }
    return AdvocacyNoticeSettings(
        retry=retry_policy_from_mapping(raw, "ADVOCACY_NOTICE_RETRY", DEFAULT_RETRY),
        tick_seconds=_positive(env.get("ADVOCACY_NOTICE_TICK_SECONDS", "5"), "ADVOCACY_NOTICE_TICK_SECONDS"),
    )
