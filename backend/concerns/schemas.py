"""The concern the action server sends, and what it gets back (also in the OpenAPI document)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# Same rules as an alert's fields: one definition, so the two never drift apart.
from backend.alerts.schemas import Category, ChildText, ConversationId, Matched, Turn
from backend.home_codes import AlertHomeLabel
from backend.schemas import IdempotencyKey


class ConcernSource(StrEnum):
    detector = "detector"
    context = "context"  # raised from several messages together


class ConcernCreate(BaseModel):
    """The detector was unsure: the bot checked in with the child and a person should review this."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: IdempotencyKey
    conversation_id: ConversationId
    home: AlertHomeLabel
    category: Category | None = None
    matched: Annotated[list[Matched], Field(max_length=50)] = []
    message: ChildText
    preceding_turns: Annotated[list[Turn], Field(max_length=30)] = []
    detected_at: AwareDatetime
    source: ConcernSource


class ConcernReceipt(BaseModel):
    concern_id: int
    status: str
