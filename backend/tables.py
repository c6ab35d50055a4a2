"""Every table the backend owns, in one `Base.metadata`.

Each package declares its tables in its own models module; importing them all here is
what lets alembic compare the whole schema (backend/migrations/env.py). A models module
not imported here would look, to `alembic revision --autogenerate`, like tables to drop;
tests/backend/migrations/test_autogenerate.py fails if that ever happens.
"""

from __future__ import annotations

import backend.alerts.models
import backend.casework.models
import backend.concerns.models
import backend.staff.models
import backend.throttle.models
from backend.models import Base

MODEL_MODULES = (
    backend.alerts.models,
    backend.concerns.models,
    backend.staff.models,
    backend.throttle.models,
    backend.casework.models,
)
metadata = Base.metadata
