"""Request and response bodies. The OpenAPI document is generated from these,
so what is documented and what is validated cannot drift apart."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

from backend.deadlines import local_date
from backend.home_codes import HomeCode

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# Chosen by the sender, so a retried request is stored once (submissions, alerts, concerns).
IdempotencyKey = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
FirstName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^\d@<>{}]+$"),
]


class Kind(StrEnum):
    compliment = "compliment"
    comment = "comment"
    complaint = "complaint"


class SubmissionCreate(BaseModel):
    """What the action server sends when a child says "yes, send it"."""

    # The rule `_named_needs_a_name` checks, said in the schema too (JSON Schema if/then).
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "if": {"properties": {"anonymous": {"const": False}}},
            "then": {"properties": {"first_name": {"type": "string"}}, "required": ["first_name"]},
        },
    )

    kind: Kind
    what_happened: Text
    desired_outcome: ShortText | None = None
    about_whom: ShortText | None = None
    anonymous: bool
    first_name: FirstName | None = None
    home: HomeCode
    conversation_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    # Set when the safeguarding detector saw an allegation against staff: the case is then
    # flagged for a safeguarding/LADO consideration from the start.
    staff_conduct: bool = False
    idempotency_key: IdempotencyKey | None = None

    @model_validator(mode="after")
    def _named_needs_a_name(self) -> SubmissionCreate:
        if not self.anonymous and not self.first_name:
            raise ValueError("first_name is required when anonymous is false")
        return self


class SubmissionReceipt(BaseModel):
    """Returned once: the access code is never retrievable again."""

    reference: str
    access_code: str
    kind: Kind
    status: str
    received_at: datetime
    what_happens_next: str = Field(description="What happens next, in the child's words, with the real dates")


class SubmissionOut(BaseModel):
    """A submission as staff see it (never includes the access code hash)."""

    model_config = ConfigDict(from_attributes=True)

    reference: str
    kind: Kind
    what_happened: str
    desired_outcome: str | None
    about_whom: str | None
    anonymous: bool
    first_name: str | None
    home_code: str
    received_on: date = Field(description="The day it arrived (England)")
    received_at: datetime | None = Field(
        description="When it arrived; null for anonymous submissions, which keep the date only"
    )
    status: str

    @model_validator(mode="before")
    @classmethod
    def _date_only_when_anonymous(cls, data: Any) -> Any:
        """From a stored submission: in a small home the time of day can say who sent it."""
        if isinstance(data, dict):
            return data
        values = {name: getattr(data, name) for name in cls.model_fields if name != "received_on"}
        values["received_on"] = local_date(data.received_at)
        if data.anonymous:
            values["received_at"] = None
        return values


class SubmissionList(BaseModel):
    items: list[SubmissionOut]


class Problem(BaseModel):
    """Every 4xx/5xx body."""

    error: str
    detail: list[dict[str, Any]] | str | None = None


Reference = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=32)]


AccessCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
NextStage = Literal["stage2", "stage3"]
# Why the child cannot ask for the next stage from the chat now.
WhyNotNextStage = Literal["not_a_complaint", "not_answered", "already_asked", "too_late", "finished"]
NextStagePass = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class StatusQuery(BaseModel):
    """A child checking on something they sent, with the reference and code they were given."""

    model_config = ConfigDict(extra="forbid")

    reference: Reference
    access_code: AccessCode


class StatusAnswer(BaseModel):
    """Where it is and what happens next, in words for the child (no jargon)."""

    reference: str
    kind: Kind
    stage_for_child: str
    next_step_for_child: str
    due_date: date | None
    outcome_for_child: str | None = Field(description="The latest finding in the child's words")
    response_for_child: str | None = Field(description="The answer staff wrote for the child, in their words")
    next_stage: NextStage | None = Field(description="The stage the child may ask for now from the chat")
    next_stage_why_not: WhyNotNextStage | None = Field(description="Without next_stage: why the child cannot ask now")
    next_stage_pass: str | None = Field(
        description="With next_stage: lets POST /api/v1/status/next-stage ask for it without the code, "
        "for a short while"
    )
    # The chat keeps what follows out of what staff may read later, as after an anonymous receipt.
    anonymous: bool


class NextStageQuery(BaseModel):
    """The child is not happy with the answer: the reference, and the code or a pass from the status check."""

    # Exactly one proof, said in the schema too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["access_code"]}, {"required": ["next_stage_pass"]}]},
    )

    reference: Reference
    access_code: AccessCode | SkipJsonSchema[None] = None
    next_stage_pass: NextStagePass | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _one_proof(self) -> NextStageQuery:
        given = {"access_code", "next_stage_pass"} & self.model_fields_set
        if len(given) != 1 or getattr(self, given.pop()) is None:
            raise ValueError("send either access_code or next_stage_pass")
        return self


class NextStageAnswer(StatusAnswer):
    """Asked: where it is now, in the child's words."""

    asked_for: NextStage
    # For the advocate offered next, as after a complaint is sent (None when anonymous).
    first_name: str | None


class NextStageRefused(BaseModel):
    """409: the child cannot ask for the next stage now; why, and where it is, in the child's words."""

    error: str
    detail: str
    why: WhyNotNextStage
    status: StatusAnswer


class AdvocacyRequestCreate(BaseModel):
    """A child asked for an advocate, with or without a complaint."""

    model_config = ConfigDict(extra="forbid")

    home: HomeCode
    reference: Reference | None = None
    anonymous: bool
    first_name: FirstName | None = None
    # Consent to share the linked complaint with the advocacy service.
    consent_to_share: bool
    conversation_id: Annotated[str, StringConstraints(max_length=128)] | None = None


class AdvocacyReceipt(BaseModel):
    id: int
    provider_name: str
    provider_phone: str | None
    provider_email: str | None
    # "pending": a notice to the provider is on its way; "not_configured": staff must pass it on.
    provider_notice: Literal["pending", "not_configured"]
    what_happens_next: str
    linked_reference: str | None
