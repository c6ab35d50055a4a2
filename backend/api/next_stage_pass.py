"""A short-lived pass: proof that the child gave the right access code a moment ago.

The status check hands one out when the child may ask for the next stage, so "I'm not happy
with the answer", tapped right after, needs no second typing of the code: the chat never keeps
a code from one turn to the next (bot/tracker_store.py), and a child who has just typed it
should not be asked for it again. A pass names one reference and one stage, lasts
PASS_MINUTES, and can do nothing but ask for that stage. It is an HMAC under a key derived from
SERVICE_TOKEN, which only the backend and the action server hold (the action server keeps the
pass sealed in its slot, as it does references: actions/sealed.py).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

PASS_MINUTES = 30  # as long as a chat session lasts (domain/core.yml session_config)
_LABEL = b"next-stage-pass\0"


def _key(secret: str) -> bytes:
    return hashlib.sha256(_LABEL + secret.encode()).digest()


def _signature(secret: str, reference: str, stage: str, expires: int) -> str:
    message = f"{reference.upper()}|{stage}|{expires}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def issue_pass(secret: str, reference: str, stage: str, now: datetime) -> str:
    """'stage2.1767225600.<hex>': the stage, when it runs out (Unix seconds), the signature."""
    expires = int((now + timedelta(minutes=PASS_MINUTES)).timestamp())
    return f"{stage}.{expires}.{_signature(secret, reference, stage, expires)}"


def pass_stage(secret: str, reference: str, token: str, now: datetime) -> str | None:
    """The stage the pass allows for this reference now, or None (wrong, altered or run out)."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    stage, expires, signature = parts[0], int(parts[1]), parts[2]
    if not hmac.compare_digest(signature.encode(), _signature(secret, reference, stage, expires).encode()):
        return None
    return stage if now.timestamp() <= expires else None
