"""The one module that talks to the backend's JSON API.

Typed results, aiohttp throughout, timeouts on every call, and retries on
connection errors (never on a 4xx: the backend said no for a reason).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any, cast

import aiohttp

log = logging.getLogger(__name__)


class BackendUnavailableError(Exception):
    """The backend could not be reached (or failed) after all retries."""


class BackendRejectedError(Exception):
    """The backend refused the request (4xx); retrying will not help."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"backend refused the request with {status}: {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class SubmissionReceipt:
    reference: str
    access_code: str
    kind: str
    status: str
    # What happens next, with the real dates (the backend's step table).
    what_happens_next: str


@dataclass(frozen=True)
class StatusFound:
    """Where the child's complaint, comment or thank you is, in words for the child."""

    reference: str
    kind: str
    stage_for_child: str
    next_step_for_child: str
    due_date: str | None
    anonymous: bool = True
    # The latest finding, and the answer staff wrote for the child, in their words.
    outcome_for_child: str | None = None
    response_for_child: str | None = None
    # "stage2" or "stage3" when the child may ask for it now; the pass asks without the code again.
    next_stage: str | None = None
    next_stage_pass: str | None = None
    # Without next_stage: why not ("not_answered", "already_asked", "too_late", "finished", "not_a_complaint").
    next_stage_why_not: str | None = None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> StatusFound:
        return cls(
            reference=body["reference"],
            kind=body["kind"],
            stage_for_child=body["stage_for_child"],
            next_step_for_child=body["next_step_for_child"],
            due_date=body.get("due_date"),
            anonymous=bool(body.get("anonymous", True)),
            outcome_for_child=body.get("outcome_for_child"),
            response_for_child=body.get("response_for_child"),
            next_stage=body.get("next_stage"),
            next_stage_pass=body.get("next_stage_pass"),
            next_stage_why_not=body.get("next_stage_why_not"),
        )


@dataclass(frozen=True)
class StatusNoMatch:
    """Unknown reference or wrong code: the backend does not say which."""


@dataclass(frozen=True)
class StatusTooManyTries:
    """Too many wrong codes for this reference in the last hour."""


StatusResult = StatusFound | StatusNoMatch | StatusTooManyTries


@dataclass(frozen=True)
class NextStageAsked:
    """Stage 2 or 3 was asked for; where it is now."""

    asked_for: str
    status: StatusFound
    first_name: str | None


@dataclass(frozen=True)
class NextStageNotNow:
    """The child cannot ask now; why ("not_answered", "already_asked", "too_late", "finished",
    "not_a_complaint"), and where it is."""

    why: str
    status: StatusFound


NextStageResult = NextStageAsked | NextStageNotNow | StatusNoMatch | StatusTooManyTries


@dataclass(frozen=True)
class AdvocacyReceipt:
    provider_name: str
    what_happens_next: str
    linked_reference: str | None


@dataclass(frozen=True)
class BackendConfig:
    base_url: str
    service_token: str
    timeout_seconds: float = 5.0
    attempts: int = 3
    backoff_seconds: float = 0.3

    @classmethod
    def from_env(cls) -> BackendConfig:
        return cls(
            base_url=os.environ.get("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            service_token=os.environ.get("SERVICE_TOKEN", ""),
        )


class BackendClient:
    def __init__(self, config: BackendConfig | None = None) -> None:
        self.config = config or BackendConfig.from_env()

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        cfg = self.config
        headers = {"Authorization": f"Bearer {cfg.service_token}"}
        timeout = aiohttp.ClientTimeout(total=cfg.timeout_seconds)
        last_error: Exception | None = None
        for attempt in range(1, cfg.attempts + 1):
            try:
                async with (
                    aiohttp.ClientSession(timeout=timeout) as session,
                    session.post(f"{cfg.base_url}{path}", json=payload, headers=headers) as resp,
                ):
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:  # not JSON (e.g. a proxy's error page)
                        body = None
                    if 400 <= resp.status < 500:
                        raise BackendRejectedError(resp.status, body)
                    if resp.status >= 500:
                        raise BackendUnavailableError(f"backend answered {resp.status}")
                    # Every 2xx of the backend's JSON API is an object (backend/routes.py).
                    return cast("dict[str, Any]", body)
            except (TimeoutError, aiohttp.ClientError, BackendUnavailableError) as exc:
                last_error = exc
                log.warning("backend call %s failed (attempt %d/%d): %s", path, attempt, cfg.attempts, exc)
                if attempt < cfg.attempts:
                    await asyncio.sleep(cfg.backoff_seconds * 2 ** (attempt - 1))
        raise BackendUnavailableError(str(last_error))

    async def create_alert(self, payload: dict[str, Any]) -> int:
        """Store a safeguarding alert; safe to repeat (idempotency key)."""
        body = await self._post("/api/v1/alerts", payload)
        return int(body["alert_id"])

    async def create_concern(self, payload: dict[str, Any]) -> int:
        """Store a safeguarding concern for a person to review; safe to repeat (idempotency key)."""
        body = await self._post("/api/v1/concerns", payload)
        return int(body["concern_id"])

    async def create_submission(self, payload: dict[str, Any]) -> SubmissionReceipt:
        body = await self._post("/api/v1/submissions", payload)
        return SubmissionReceipt(
            reference=body["reference"],
            access_code=body["access_code"],
            kind=body["kind"],
            status=body["status"],
            what_happens_next=body["what_happens_next"],
        )

    async def check_status(self, reference: str, access_code: str) -> StatusResult:
        """Ask where a submission is. The code is sent once and never logged."""
        try:
            body = await self._post("/api/v1/status", {"reference": reference, "access_code": access_code})
        except BackendRejectedError as exc:
            if exc.status == 429:
                return StatusTooManyTries()
            if exc.status in (404, 422):
                # 422: not even shaped like a reference; to the child it is the same "no match".
                return StatusNoMatch()
            raise
        return StatusFound.from_body(body)

    async def ask_next_stage(
        self, reference: str, *, access_code: str | None = None, next_stage_pass: str | None = None
    ) -> NextStageResult:
        """ "I'm not happy with the answer": with the code just typed, or the pass a status answer gave."""
        proof = {"access_code": access_code} if access_code is not None else {"next_stage_pass": next_stage_pass}
        try:
            body = await self._post("/api/v1/status/next-stage", {"reference": reference, **proof})
        except BackendRejectedError as exc:
            if exc.status == 429:
                return StatusTooManyTries()
            if exc.status in (404, 422):
                return StatusNoMatch()
            if exc.status == 409 and isinstance(exc.body, dict) and isinstance(exc.body.get("status"), dict):
                return NextStageNotNow(str(exc.body.get("why")), StatusFound.from_body(exc.body["status"]))
            raise
        return NextStageAsked(body["asked_for"], StatusFound.from_body(body), body.get("first_name"))

    async def create_advocacy_request(self, payload: dict[str, Any]) -> AdvocacyReceipt:
        body = await self._post("/api/v1/advocacy-requests", payload)
        return AdvocacyReceipt(
            provider_name=body["provider_name"],
            what_happens_next=body["what_happens_next"],
            linked_reference=body.get("linked_reference"),
        )
