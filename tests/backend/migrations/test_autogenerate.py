"""The migrations and the models describe the same schema: autogenerate proposes nothing."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import backend
from backend.db import migrate
from backend.tables import MODEL_MODULES, metadata


def test_every_models_module_is_part_of_the_metadata_alembic_compares() -> None:
    root = Path(backend.__file__).parent
    declaring = set()
    for info in pkgutil.walk_packages([str(root)]):
        source = root / (info.name.replace(".", "/") + ".py")
        if source.exists() and "__tablename__" in source.read_text():
            declaring.add(f"backend.{info.name}")
    listed = {module.__name__ for module in MODEL_MODULES} | {"backend.models"}
    assert declaring <= listed, f"models modules missing from backend/tables.py: {declaring - listed}"


def test_autogenerate_against_a_migrated_database_finds_no_difference(tmp_path: Path) -> None:
    db = tmp_path / "migrated.sqlite3"
    migrate(f"sqlite+aiosqlite:///{db}")
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == [], "migrations and models differ; write a migration:\n" + "\n".join(map(str, diff))


def test_alembic_check_through_env_py_finds_nothing_to_do(tmp_path: Path) -> None:
    """What `alembic revision --autogenerate` would see, in a fresh process: only what
    backend/migrations/env.py imports is known there, which is the trap this guards."""
    db = tmp_path / "migrated.sqlite3"
    url = f"sqlite+aiosqlite:///{db}"
    migrate(url)
    script = (
        "import sys\n"
        "from alembic import command\n"
        "from backend.db import alembic_config\n"
        "command.check(alembic_config(sys.argv[1]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, cwd=Path(backend.__file__).parent.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
