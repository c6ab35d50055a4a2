"""Safeguarding concerns and their history; alerts keep the key of the concern they grew from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _append_only_concern_events() -> None:
    """A concern's history can be added to, never rewritten."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER safeguarding_concern_events_no_{event.lower()} BEFORE {event} "
                "ON safeguarding_concern_events "
                "BEGIN SELECT RAISE(ABORT, 'safeguarding_concern_events is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION safeguarding_concern_events_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'safeguarding_concern_events is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER safeguarding_concern_events_append_only BEFORE UPDATE OR DELETE "
            "ON safeguarding_concern_events "
            "FOR EACH ROW EXECUTE FUNCTION safeguarding_concern_events_append_only()"
        )


def upgrade() -> None:
    # Nullable, so SQLite can add it in place.
    op.add_column("alerts", sa.Column("concern_key", sa.String(64), nullable=True))
    op.create_index("ix_alerts_concern_key", "alerts", ["concern_key"])
    op.create_table(
        "safeguarding_concerns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(128), nullable=False, index=True),
        sa.Column("home_code", sa.String(64), nullable=False, index=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("preceding_turns", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("detected_at", _TS, nullable=False),
        sa.Column("received_at", _TS, nullable=False, index=True),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("read_at", _TS, nullable=True),
        sa.Column("read_by_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("read_by_name", sa.String(64), nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("closed_by_name", sa.String(64), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True, index=True),
        sa.Column("escalated_at", _TS, nullable=True),
        sa.Column("escalated_by_name", sa.String(64), nullable=True),
        sa.Column("last_reminder_at", _TS, nullable=True),
    )
    op.create_index("ix_safeguarding_concerns_status_due_at", "safeguarding_concerns", ["status", "due_at"])
    op.create_table(
        "safeguarding_concern_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "concern_id",
            sa.Integer(),
            sa.ForeignKey("safeguarding_concerns.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", _TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    _append_only_concern_events()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS safeguarding_concern_events_append_only ON safeguarding_concern_events")
        op.execute("DROP FUNCTION IF EXISTS safeguarding_concern_events_append_only()")
    for table in ("safeguarding_concern_events", "safeguarding_concerns"):
        op.drop_table(table)
    op.drop_index("ix_alerts_concern_key", "alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("concern_key")
