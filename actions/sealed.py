"""Seal a reference that the next turn needs but the stored conversation must not show.

Slots live in Rasa's tracker store for as long as the conversation is kept. A
submission's reference in a slot would link the conversation to an anonymous
submission for anyone who reads that store, so the actions keep it there only
sealed (Fernet: AES with an HMAC, from the `cryptography` package Rasa already
installs). The key is derived from SERVICE_TOKEN, which only the action server
and the backend hold; the Rasa process never sees it.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken

# Long enough for an advocate offer or a status check to be answered; older seals fail.
MAX_AGE_SECONDS = 24 * 3600


def _fernet() -> Fernet:
    secret = os.environ.get("SERVICE_TOKEN")
    if not secret:
        raise RuntimeError("SERVICE_TOKEN must be set to seal references")
    digest = hashlib.sha256(b"slot-seal\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def unseal(sealed: object) -> str | None:
    """The value, or None if it is missing, tampered with, too old or sealed with another key."""
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode(), ttl=MAX_AGE_SECONDS).decode()
    except (InvalidToken, ValueError):
        return None
