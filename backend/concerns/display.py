"""How a concern's state and deadline are put into words on the staff pages (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

from backend.concerns.models import OPEN_STATES, Concern
from backend.deadlines import LONDON

STATUS_LABELS = {
    "new": "Not read yet",
    "read": "Read, not closed",
    "closed": "Closed",
    "escalated": "Turned into an alert",
}
SOURCE_LABELS = {
    "detector": "one message the detector was unsure about",
    "context": "several messages together",
}


def span(delta: timedelta) -> str:
    """A duration as staff say it: "25 min", "3 h 10 min", "4 days"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def due_state(concern: Concern, now: datetime) -> dict[str, str] | None:
    """Open concerns: red once their working day is over, amber until then."""
    if concern.status not in OPEN_STATES:
        return None
    if concern.due_at <= now:
        return {"css": "overdue", "text": f"Overdue by {span(now - concern.due_at)}"}
    return {"css": "due-soon", "text": f"Due in {span(concern.due_at - now)}"}


def turn_time(value: str | None) -> str:
    """A stored turn's time (ISO, UTC) as UK clock time to the minute; empty when unknown."""
    if not value:
        return ""
    try:
        return f"{datetime.fromisoformat(value).astimezone(LONDON):%H:%M}"
    except ValueError:
        return ""
