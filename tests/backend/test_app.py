"""The application as a whole (backend/app.py, backend/config.py): health, OpenAPI, settings,
and the refusal to run on an unmigrated database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from backend.app import create_app
from backend.config import Settings, normalise_database_url


async def test_health_reports_database_ok(client: TestClient) -> None:
    resp = await client.get("/health")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": "ok"}


async def test_openapi_document_describes_the_submission_body(client: TestClient) -> None:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    spec = await resp.json()
    assert spec["openapi"].startswith("3.")
    create = spec["components"]["schemas"]["SubmissionCreate"]
    assert set(create["required"]) >= {"kind", "what_happened", "anonymous", "home"}
    assert create["additionalProperties"] is False
    post = spec["paths"]["/api/v1/submissions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmissionCreate")


async def test_app_refuses_an_unmigrated_database(
    tmp_path: Path, aiohttp_client: Callable[..., Awaitable[TestClient]]
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", service_token="t" * 40)
    with pytest.raises(RuntimeError, match="migrate"):
        await aiohttp_client(create_app(settings))


def test_settings_need_a_real_service_token() -> None:
    with pytest.raises(RuntimeError, match="SERVICE_TOKEN"):
        Settings.from_env({"SERVICE_TOKEN": "short"})


def test_postgres_urls_use_asyncpg() -> None:
    assert normalise_database_url("postgresql://u@localhost/db") == "postgresql+asyncpg://u@localhost/db"
    assert normalise_database_url("postgres://u@localhost/db") == "postgresql+asyncpg://u@localhost/db"
    assert normalise_database_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
