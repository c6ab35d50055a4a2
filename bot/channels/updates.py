"""What the chat page learns when it polls: staff messages and handoff state.

During a human handoff the backend appends events to the conversation through
Rasa's HTTP API: `pause`, then `bot` events whose metadata says
`{"from_staff": true, "staff_name": "Jo"}`, then `resume` when the bot takes over.
This module reads those events; it never writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Event


def _staff_name(metadata: dict[str, Any] | None) -> str | None:
    name = (metadata or {}).get("staff_name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:60]
    return None


def _buttons(event: BotUttered) -> list[dict[str, str]]:
    buttons = (event.data or {}).get("buttons") or []
    return [
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in buttons
        if isinstance(button, dict)
    ]


def staff_updates(events: Iterable[Event], after: float) -> dict[str, Any]:
    """Staff messages newer than `after` (a Unix timestamp) and whether a person is talking now."""
    messages: list[dict[str, Any]] = []
    active = False
    handoff_name: str | None = None
    latest_staff_name: str | None = None
    for event in events:
        if isinstance(event, ConversationPaused):
            active = True
            handoff_name = _staff_name(event.metadata)
            latest_staff_name = None
        elif isinstance(event, ConversationResumed):
            active = False
            handoff_name = None
        elif isinstance(event, BotUttered) and (event.metadata or {}).get("from_staff") is True:
            name = _staff_name(event.metadata)
            latest_staff_name = name or latest_staff_name
            if event.timestamp > after:
                messages.append(
                    {
                        "from": "staff",
                        "staff_name": name,
                        "text": event.text or "",
                        "buttons": _buttons(event),
                        "timestamp": event.timestamp,
                    }
                )
    return {
        "messages": messages,
        "handoff": {"active": active, "staff_name": (handoff_name or latest_staff_name) if active else None},
    }
