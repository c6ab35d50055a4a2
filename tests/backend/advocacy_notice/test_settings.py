"""Provider notice settings from the environment: a mistake stops start-up with the reason."""

from __future__ import annotations

import pytest

from backend.advocacy_notice.settings import DEFAULT_RETRY, advocacy_notice_from_env
from backend.config import Settings

BASE = {"SERVICE_TOKEN": "t" * 32, "SAFEGUARDING_CONFIG": ""}


def test_defaults_keep_trying_for_hours_and_the_environment_can_change_them() -> None:
    assert advocacy_notice_from_env({}).retry == DEFAULT_RETRY
    env = {"ADVOCACY_NOTICE_RETRY_ATTEMPTS": "3", "ADVOCACY_NOTICE_RETRY_BASE_SECONDS": "1.5"}
    retry = advocacy_notice_from_env(env).retry
    assert (retry.attempts, retry.base_seconds, retry.max_seconds) == (3, 1.5, DEFAULT_RETRY.max_seconds)
    with pytest.raises(RuntimeError, match="attempts must be at least 1"):
        advocacy_notice_from_env({"ADVOCACY_NOTICE_RETRY_ATTEMPTS": "0"})
    with pytest.raises(RuntimeError, match="claim_lease_seconds must be more than 0"):
        advocacy_notice_from_env({"ADVOCACY_NOTICE_CLAIM_LEASE_SECONDS": "-1"})


def test_the_provider_webhook_must_be_an_http_url() -> None:
    hook = "https://advocacy.example/referrals?token=abc"
    assert Settings.from_env({**BASE, "ADVOCACY_PROVIDER_WEBHOOK_URL": hook}).advocacy_provider_webhook_url == hook
    assert Settings.from_env(BASE).advocacy_provider_webhook_url == ""
    with pytest.raises(RuntimeError, match="ADVOCACY_PROVIDER_WEBHOOK_URL"):
        Settings.from_env({**BASE, "ADVOCACY_PROVIDER_WEBHOOK_URL": "advocacy.example/hook"})
