"""A sealed reference reads back only with the action server's key, unchanged and not too old."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from actions.sealed import seal, unseal


@pytest.fixture(autouse=True)
def service_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", "test-token-one")


def test_a_sealed_reference_does_not_show_it_and_reads_back() -> None:
    sealed = seal("CMP-7K4Q-2M")
    assert "7K4Q" not in sealed
    assert unseal(sealed) == "CMP-7K4Q-2M"


def test_a_tampered_foreign_or_plain_value_reads_back_as_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = seal("CMP-7K4Q-2M")
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert unseal(tampered) is None
    assert unseal(Fernet(Fernet.generate_key()).encrypt(b"CMP-7K4Q-2M").decode()) is None
    assert unseal("CMP-7K4Q-2M") is None  # a plain reference put in the slot by someone else
    assert unseal(None) is None
    monkeypatch.setenv("SERVICE_TOKEN", "another-install")
    assert unseal(sealed) is None
