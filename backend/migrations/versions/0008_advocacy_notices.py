"""Telling the advocacy provider: an outbox of notices (email or webhook), retried until delivered.

Requests stored before this revision were never sent to anyone (the service only recorded
them), so they are marked "not_configured" with that reason: staff see them as not passed on,
rather than as waiting for a notice that does not exist.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_BEFORE = "asked for before this service told providers itself: pass it on by hand if nobody has"


def upgrade() -> None:
    op.create_table(
        "advocacy_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("advocacy_requests.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
    )
    requests = sa.table(
        "advocacy_requests",
        sa.column("provider_notice", sa.String),
        sa.column("provider_notice_error", sa.Text),
    )
    op.get_bind().execute(
        requests.update()
        .where(requests.c.provider_notice == "pending")
        .values(provider_notice="not_configured", provider_notice_error=_BEFORE)
    )


def downgrade() -> None:
    # Notices in flight are dropped with the table; their requests keep the outcome they had.
    op.drop_table("advocacy_notices")
