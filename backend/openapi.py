"""The OpenAPI 3 document, built from the same pydantic models that validate requests."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from backend.alerts.schemas import AlertCreate, AlertReceipt
from backend.api.next_stage_pass import PASS_MINUTES
from backend.appkeys import OPENAPI
from backend.concerns.schemas import ConcernCreate, ConcernReceipt
from backend.ratelimit import window_words
from backend.schemas import (
    AdvocacyReceipt,
    AdvocacyRequestCreate,
    NextStageAnswer,
    NextStageQuery,
    NextStageRefused,
    Problem,
    StatusAnswer,
    StatusQuery,
    SubmissionCreate,
    SubmissionList,
    SubmissionOut,
    SubmissionReceipt,
)

_MODELS: list[type[BaseModel]] = [
    SubmissionCreate,
    SubmissionReceipt,
    SubmissionOut,
    SubmissionList,
    StatusQuery,
    StatusAnswer,
    NextStageQuery,
    NextStageAnswer,
    NextStageRefused,
    AdvocacyRequestCreate,
    AdvocacyReceipt,
    AlertCreate,
    AlertReceipt,
    ConcernCreate,
    ConcernReceipt,
    Problem,
]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(model: type[BaseModel], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


_REASONS = {
    400: "Malformed request",
    401: "Missing or wrong credential",
    403: "This role reads cases on the staff pages, not through the API",
    404: "Not found",
    413: "Body larger than 64 KB (the limit is in `detail`)",
    415: "Body is not JSON",
    422: "Body failed validation (the reason is in `detail`)",
    429: f"Too many wrong access codes for this reference in the last {window_words()[0]}",
}
# HTTP Basic tries are throttled like the staff login (backend/throttle/rules.py).
_STAFF_429 = "Too many wrong passwords from this address, or for this account from an unknown one; see Retry-After"


def _errors(*codes: int, **reasons: str) -> dict[str, Any]:
    """Problem answers; a keyword like `e429="..."` gives one code its own reason here."""
    return {str(c): _json(Problem, reasons.get(f"e{c}", _REASONS[c])) for c in codes}


def _staff_errors(*codes: int) -> dict[str, Any]:
    return _errors(401, 403, 429, *codes, e429=_STAFF_429)


def build_spec() -> dict[str, Any]:
    _, schemas = models_json_schema([(m, "validation") for m in _MODELS], ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Children's feedback backend",
            "version": "1",
            "description": "Records of compliments, comments and complaints, owned by this service.",
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "serviceToken": {"type": "http", "scheme": "bearer"},
                "staff": {"type": "http", "scheme": "basic"},
            },
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "Liveness and database check",
                    "responses": {
                        "200": {"description": "OK"},
                        "503": {"description": "Database unreachable"},
                    },
                }
            },
            "/api/v1/submissions": {
                "post": {
                    "summary": "Store a child's submission (action server only)",
                    "security": [{"serviceToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(SubmissionCreate)}},
                    },
                    "responses": {
                        "201": _json(SubmissionReceipt, "Stored; the access code is shown only this once"),
                        **_errors(400, 401, 413, 415, 422),
                    },
                },
                "get": {
                    "summary": "List submissions (staff)",
                    "security": [{"staff": []}],
                    "responses": {"200": _json(SubmissionList, "Newest first"), **_staff_errors()},
                },
            },
            "/api/v1/submissions/{reference}": {
                "get": {
                    "summary": "One submission (staff)",
                    "security": [{"staff": []}],
                    "parameters": [{"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": _json(SubmissionOut, "The submission"), **_staff_errors(404)},
                }
            },
            "/api/v1/status": {
                "post": {
                    "summary": "A child checks progress with reference and access code (action server only)",
                    "description": (
                        "Unknown references and wrong codes get the same 404 answer. At most 5 wrong codes "
                        "per reference per hour; then 429 until the hour has passed."
                    ),
                    "security": [{"serviceToken": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(StatusQuery)}}},
                    "responses": {
                        "200": _json(StatusAnswer, "Where it is and what happens next, in the child's words"),
                        **_errors(400, 401, 404, 413, 415, 422, 429),
                    },
                }
            },
            "/api/v1/status/next-stage": {
                "post": {
                    "summary": "The child is not happy with the answer: ask for Stage 2 or 3 (action server only)",
                    "description": (
                        "With the reference and either the access code or the next_stage_pass a status answer "
                        f"gave (it lasts {PASS_MINUTES} minutes). Recorded as asked by the child, by the "
                        "assistant, when the child may ask now: after a Stage 1 or Stage 2 response, within the "
                        "working days the procedure allows (later requests are for staff to decide). Wrong codes "
                        "and passes count towards the same 5 wrong tries per reference per hour as /api/v1/status."
                    ),
                    "security": [{"serviceToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(NextStageQuery)}},
                    },
                    "responses": {
                        "200": _json(NextStageAnswer, "Asked; where it is now, in the child's words"),
                        "409": _json(NextStageRefused, "Not possible now; where it is, in the child's words"),
                        **_errors(400, 401, 404, 413, 415, 422, 429),
                    },
                }
            },
            "/api/v1/alerts": {
                "post": {
                    "summary": "Store a safeguarding alert (action server only; exactly once per idempotency_key)",
                    "description": (
                        "201 for a new alert. A repeated idempotency_key answers 200 with the same alert_id and "
                        "creates no second alert and no second notification. Staff see it live on /staff/alerts. "
                        "An alert raised by the child's answer to a check-in names its concern in concern_key: "
                        "that concern is then shown as turned into this alert (also if it arrives later)."
                    ),
                    "security": [{"serviceToken": []}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(AlertCreate)}}},
                    "responses": {
                        "201": _json(AlertReceipt, "Stored; staff are being told"),
                        "200": _json(AlertReceipt, "Already stored under this idempotency_key"),
                        **_errors(400, 401, 413, 415, 422),
                    },
                }
            },
            "/api/v1/concerns": {
                "post": {
                    "summary": "Store a safeguarding concern for review (action server only; exactly once per key)",
                    "description": (
                        "The detector was unsure and the bot checked in with the child. 201 for a new concern, "
                        "due for review within one working day (England bank holidays and CLOSURE_DAYS excluded). "
                        "A repeated idempotency_key answers 200 with the same concern_id and stores nothing. "
                        "An alert whose concern_key names this concern links it, whichever arrives first."
                    ),
                    "security": [{"serviceToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(ConcernCreate)}},
                    },
                    "responses": {
                        "201": _json(ConcernReceipt, "Stored; it waits in the review queue on /staff/concerns"),
                        "200": _json(ConcernReceipt, "Already stored under this idempotency_key"),
                        **_errors(400, 401, 413, 415, 422),
                    },
                }
            },
            "/api/v1/advocacy-requests": {
                "post": {
                    "summary": "Record a child's request for an advocate (action server only)",
                    "security": [{"serviceToken": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref(AdvocacyRequestCreate)}},
                    },
                    "responses": {
                        "201": _json(AdvocacyReceipt, "Stored; includes the provider and what happens next"),
                        **_errors(400, 401, 404, 413, 415, 422, e404="No submission has that reference"),
                    },
                }
            },
        },
    }


async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])
