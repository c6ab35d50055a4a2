"""Idempotency keys that are the same every time the same turn is handled.

An action can run twice for one message: the action server may die after it
reached the backend but before Rasa heard back, and Rasa then runs the action in
its own process (bot/action_fallback.py). A key made from the child's message id
makes the backend treat the second run as the same submission or alert, never a
second one.
"""

from __future__ import annotations

import hashlib
import uuid

from rasa_sdk import Tracker


def turn_key(tracker: Tracker, purpose: str) -> str:
    """A key for `purpose` ("submission", "alert", ...) in the turn of the child's latest message."""
    message_id = tracker.latest_message.get("message_id")
    if not message_id:  # a tracker built without one (tools, old events): unique, as before
        return uuid.uuid4().hex
    digest = hashlib.sha256(f"{purpose}\n{tracker.sender_id}\n{message_id}".encode()).hexdigest()
    return digest[:32]
