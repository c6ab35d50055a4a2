"""The alert the action server sends, and what it gets back (also in the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from backend.home_codes import PRINTABLE, AlertHomeLabel
from backend.schemas import IdempotencyKey

ConversationId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
# The category comes from outside data (the detector's rules). A refused alert is the worst
# outcome, so anything printable is accepted here: it is escaped wherever it is shown.
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=PRINTABLE)]
Matched = Annotated[str, StringConstraints(max_length=200)]
# May be empty (e.g. raised by a button with no words); the page says so.
ChildText = Annotated[str, StringConstraints(max_length=5000)]
TurnText = Annotated[str, StringConstraints(max_length=5000)]


class Severity(StrEnum):
    immediate = "immediate"
    high = "high"
    medium = "medium"


class Source(StrEnum):
    detector = "detector"
    button = "button"  # the child tapped "I don't feel safe"
    person_request = "person_request"  # the child asked to talk to a person
    check_in = "check_in"  # the child answered the check-in and wants to talk to someone
    concern = "concern"  # staff turned a concern into an alert


class Speaker(StrEnum):
    child = "child"
    bot = "bot"
    staff = "staff"


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker: Speaker
    text: TurnText
    time: AwareDatetime | None = None


class AlertCreate(BaseModel):
    """A possible risk to a child, sent by the action server (from its durable outbox)."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    conversation_id: ConversationId
    home: AlertHomeLabel
    category: Category | None = None
    severity: Severity | None = None
    matched: Annotated[list[Matched], Field(max_length=50)] = []
    message: ChildText
    preceding_turns: Annotated[list[Turn], Field(max_length=30)] = []
    detected_at: AwareDatetime
    source: Source
    # The concern this alert grew from (its idempotency key): the concern is then shown as turned into this alert.
    concern_key: IdempotencyKey | None = None


class AlertReceipt(BaseModel):
    alert_id: int
    status: str


class AlertSummary(BaseModel):
    """What the live staff page and its event stream show for one alert."""

    id: int
    status: str
    category: str | None
    severity: str | None
    home: str
    conversation_id: str
    message: str
    received_at: datetime
    escalation_level: int
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    handoff_by: str | None
