"""Login throttling remembers good clients; transcripts can be deleted; anonymous records lose their time of day.

- staff_login_clients: addresses and browsers (SHA-256 of the device cookie) a member of staff
  logged in from, so other people's wrong guesses never keep them out.
- alerts / safeguarding_concerns .transcript_deleted_at: when the retention job deleted the
  child's words (the record, its category, times and actions stay).
- Existing anonymous submissions and advocacy requests keep only the day they arrived
  (start of the day in England), as new ones do; so do their cases' `updated_at` where no
  member of staff has touched them since.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_LONDON = ZoneInfo("Europe/London")


def _day_only(value: datetime, sqlite: bool) -> datetime:
    """Frozen copy of backend.anonymous_dates.day_only, in the form each database stores."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    start = datetime.combine(aware.astimezone(_LONDON).date(), time(0), tzinfo=_LONDON).astimezone(UTC)
    # The app's UTCDateTime writes naive UTC on SQLite.
    return start.replace(tzinfo=None) if sqlite else start


def _drop_anonymous_times() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    submissions = sa.table(
        "submissions",
        sa.column("id", sa.Integer),
        sa.column("anonymous", sa.Boolean),
        sa.column("received_at", _TS),
    )
    cases = sa.table(
        "cases", sa.column("id", sa.Integer), sa.column("submission_id", sa.Integer), sa.column("updated_at", _TS)
    )
    events = sa.table("case_events", sa.column("case_id", sa.Integer), sa.column("at", _TS))
    advocacy = sa.table(
        "advocacy_requests",
        sa.column("id", sa.Integer),
        sa.column("anonymous", sa.Boolean),
        sa.column("created_at", _TS),
    )
    rows = conn.execute(
        sa.select(submissions.c.id, submissions.c.received_at).where(submissions.c.anonymous.is_(True))
    ).all()
    for sub_id, received_at in rows:
        day = _day_only(received_at, sqlite)
        conn.execute(submissions.update().where(submissions.c.id == sub_id).values(received_at=day))
        untouched = ~sa.exists().where(events.c.case_id == cases.c.id)
        conn.execute(cases.update().where(cases.c.submission_id == sub_id, untouched).values(updated_at=day))
    for adv_id, created_at in conn.execute(
        sa.select(advocacy.c.id, advocacy.c.created_at).where(advocacy.c.anonymous.is_(True))
    ).all():
        conn.execute(advocacy.update().where(advocacy.c.id == adv_id).values(created_at=_day_only(created_at, sqlite)))


def upgrade() -> None:
    op.create_table(
        "staff_login_clients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_user_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("last_success_at", _TS, nullable=False),
        sa.UniqueConstraint("staff_user_id", "kind", "value", name="uq_staff_login_clients"),
    )
    op.create_index("ix_staff_login_clients_staff_user_id", "staff_login_clients", ["staff_user_id"])
    # Nullable, so SQLite adds them in place.
    op.add_column("alerts", sa.Column("transcript_deleted_at", _TS, nullable=True))
    op.add_column("safeguarding_concerns", sa.Column("transcript_deleted_at", _TS, nullable=True))
    _drop_anonymous_times()


def downgrade() -> None:
    # The dropped times of day cannot come back.
    with op.batch_alter_table("safeguarding_concerns") as batch:
        batch.drop_column("transcript_deleted_at")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("transcript_deleted_at")
    op.drop_index("ix_staff_login_clients_staff_user_id", "staff_login_clients")
    op.drop_table("staff_login_clients")
