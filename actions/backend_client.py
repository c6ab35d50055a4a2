"""The one module that talks to the backend's JSON API.

Typed results, aiohttp throughout, timeouts on every call, and retries on
connection errors (never on a 4xx: the backend said no for a reason).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from typing import Any

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
                    body = await resp.json(content_type=None)
                    if 400 <= resp.status < 500:
                        raise BackendRejectedError(resp.status, body)
                    if resp.status >= 500:
                        raise BackendUnavailableError(f"backend answered {resp.status}")
                    return body
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

    async def create_submission(self, payload: dict[str, Any]) -> SubmissionReceipt:
        body = await self._post("/api/v1/submissions", payload)
        return SubmissionReceipt(
            reference=body["reference"],
            access_code=body["access_code"],
            kind=body["kind"],
            status=body["status"],
        )
