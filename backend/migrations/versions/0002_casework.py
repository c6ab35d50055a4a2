"""Staff case management: homes, sessions, audit log, cases, timeline, advocacy, failed guesses.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _append_only_audit_log() -> None:
    """The audit log refuses UPDATE and DELETE at the database level, not just in code."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )


def _cases_for_existing_submissions() -> None:
    """Submissions stored before this revision enter the workflow at "received"."""
    from backend.casework.rules import initial_step
    from backend.deadlines import WorkingCalendar, local_date

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, kind, received_at FROM submissions")).fetchall()
    calendar = WorkingCalendar()
    for sub_id, kind, received_at in rows:
        moment = received_at if isinstance(received_at, datetime) else datetime.fromisoformat(str(received_at))
        received_on = local_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        state, limit = initial_step(kind)
        due = calendar.add_working_days(received_on, limit) if limit is not None else None
        conn.execute(
            sa.text(
                "INSERT INTO cases (submission_id, state, received_on, step_anchor_on, step_limit_days, due_on, "
                "stage1_extended, remedies, categories, staff_conduct, updated_at) VALUES "
                "(:sid, :state, :received, :received, :limit, :due, false, '[]', '[]', false, :now)"
            ),
            {
                "sid": sub_id,
                "state": state,
                "received": received_on,
                "limit": limit,
                "due": due,
                "now": datetime.now(UTC),
            },
        )


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("email", sa.String(200), nullable=True))

    op.create_table(
        "homes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("advocacy_name", sa.String(200), nullable=True),
        sa.Column("advocacy_phone", sa.String(64), nullable=True),
        sa.Column("advocacy_email", sa.String(200), nullable=True),
    )
    op.create_table(
        "home_managers",
        sa.Column("home_id", sa.Integer(), sa.ForeignKey("homes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("last_seen_at", _TS, nullable=False),
    )
    op.create_index("ix_staff_sessions_staff_user_id", "staff_sessions", ["staff_user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("home_code", sa.String(64), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_home_code", "audit_log", ["home_code"])
    _append_only_audit_log()
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_index("ix_failed_attempts_scope_key_at", "failed_attempts", ["scope", "key", "at"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "submission_id",
            sa.Integer(),
            sa.ForeignKey("submissions.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("step_anchor_on", sa.Date(), nullable=True),
        sa.Column("step_limit_days", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("stage1_extended", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("remedies", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("learning", sa.Text(), nullable=True),
        sa.Column("staff_conduct", sa.Boolean(), nullable=False),
        sa.Column("lado_decision", sa.Text(), nullable=True),
        sa.Column("shared_with", sa.Text(), nullable=True),
        sa.Column("shared_how", sa.Text(), nullable=True),
        sa.Column("change_in_practice", sa.Text(), nullable=True),
        sa.Column("passed_on_at", _TS, nullable=True),
        sa.Column("ombudsman_signposted_at", _TS, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_index("ix_cases_due_on", "cases", ["due_on"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("text_sent", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id"])
    op.create_table(
        "advocacy_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("home_code", sa.String(64), nullable=False),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("first_name", sa.String(40), nullable=True),
        sa.Column("conversation_id", sa.String(128), nullable=True),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("provider_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_index("ix_advocacy_requests_home_code", "advocacy_requests", ["home_code"])
    op.create_index("ix_advocacy_requests_submission_id", "advocacy_requests", ["submission_id"])
    _cases_for_existing_submissions()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "advocacy_requests",
        "case_events",
        "cases",
        "failed_attempts",
        "audit_log",
        "staff_sessions",
        "home_managers",
        "homes",
    ):
        op.drop_table(table)
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("email")
