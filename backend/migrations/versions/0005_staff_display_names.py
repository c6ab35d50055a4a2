"""Staff display names (what a child sees during a handoff instead of the login name), and who joined a handoff.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copy of backend.staff.names.ROLE_DEFAULT_NAMES as it was at this revision, so the
# migration means the same thing whatever later code says.
_ROLE_DEFAULTS = {
    "manager": "the home manager",
    "complaints_officer": "the complaints officer",
    "safeguarding_lead": "the safeguarding lead",
}
_FALLBACK = "a member of staff"


def upgrade() -> None:
    # NOT NULL with a server default lets SQLite add the column in place (no table rebuild,
    # which would trip the ON DELETE CASCADE foreign keys pointing at staff_users).
    op.add_column(
        "staff_users",
        sa.Column("display_name", sa.String(64), nullable=False, server_default=_FALLBACK),
    )
    # Existing accounts get a name from their role, never their username.
    staff = sa.table("staff_users", sa.column("role", sa.String), sa.column("display_name", sa.String))
    for role, name in _ROLE_DEFAULTS.items():
        op.execute(staff.update().where(staff.c.role == role).values(display_name=name))
    # The handoff belongs to one account (display names need not be unique); nullable, so SQLite adds it in place.
    op.add_column("alerts", sa.Column("handoff_by_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("handoff_by_id")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("display_name")
