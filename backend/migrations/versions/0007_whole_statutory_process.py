"""The whole statutory process: how a case arrived and who made it, routes, per-stage outcomes.

- cases: last_step (what the child is told), complainant / complainant_name / received_via /
  consent_note (every case, tablet ones are the child by tablet), services (each counted),
  route (statutory or informal), not_accepted_reason, child_response, advocacy_offered,
  Stage 2 investigating officer and independent person, Stage 3 panel members, the
  staff-conduct route (subject, handler, LADO and Ofsted dates), Ombudsman enquiry date.
- case_outcomes: the finding at each stage, kept when the next stage adds its own.
- advocacy_requests: whether the provider has really been told (provider_notice...).

Existing cases are filled in from what they already hold: tablet, the child, their home,
and one outcome row for each stage response in their timeline.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)

# The step each existing state was reached by (casework/steps.py).
_LAST_STEP = {
    "received": "receive",
    "stage1": "acknowledge",
    "stage1_responded": "respond_stage1",
    "stage2_requested": "request_stage2",
    "stage2": "agree_statement",
    "stage2_responded": "respond_stage2",
    "stage3_requested": "request_stage3",
    "stage3_panel_held": "panel_held",
    "stage3_reported": "panel_report",
    "stage3_responded": "respond_stage3",
    "closed": "close",
}
_STAGE_OF = {"respond_stage1": "stage1", "respond_stage2": "stage2", "respond_stage3": "stage3"}


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("last_step", sa.String(32), nullable=False, server_default="receive"))
        batch.add_column(sa.Column("complainant", sa.String(32), nullable=False, server_default="child"))
        batch.add_column(sa.Column("complainant_name", sa.String(120)))
        batch.add_column(sa.Column("received_via", sa.String(16), nullable=False, server_default="tablet"))
        batch.add_column(sa.Column("consent_note", sa.Text()))
        batch.add_column(sa.Column("services", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("route", sa.String(16), nullable=False, server_default="statutory"))
        batch.add_column(sa.Column("not_accepted_reason", sa.String(32)))
        batch.add_column(sa.Column("child_response", sa.Text()))
        batch.add_column(sa.Column("advocacy_offered", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("investigating_officer", sa.String(120)))
        batch.add_column(sa.Column("independent_person", sa.String(120)))
        batch.add_column(sa.Column("panel_members", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("subject_staff", sa.String(120)))
        batch.add_column(sa.Column("subject_staff_id", sa.Integer()))
        batch.add_column(sa.Column("about_manager", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("handler", sa.String(120)))
        batch.add_column(sa.Column("lado_referred_on", sa.Date()))
        batch.add_column(sa.Column("ofsted_notified_on", sa.Date()))
        batch.add_column(sa.Column("ombudsman_enquiry_on", sa.Date()))
        batch.create_foreign_key(
            "fk_cases_subject_staff_id", "staff_users", ["subject_staff_id"], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "case_outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("remedies", sa.JSON(), nullable=False),
        sa.Column("learning", sa.Text()),
        sa.Column("responded_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer()),
        sa.Column("child_response", sa.Text()),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_case_outcomes_case_id", "case_outcomes", ["case_id"])
    with op.batch_alter_table("advocacy_requests") as batch:
        batch.add_column(sa.Column("provider_notice", sa.String(16), nullable=False, server_default="pending"))
        batch.add_column(sa.Column("provider_notified_at", _TS))
        batch.add_column(sa.Column("provider_notice_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("provider_notice_error", sa.Text()))
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    cases = sa.table(
        "cases",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("outcome", sa.String),
        sa.column("submission_id", sa.Integer),
        sa.column("last_step", sa.String),
        sa.column("services", sa.JSON),
        sa.column("advocacy_offered", sa.Boolean),
    )
    subs = sa.table(
        "submissions", sa.column("id", sa.Integer), sa.column("home_code", sa.String), sa.column("kind", sa.String)
    )
    events = sa.table(
        "case_events",
        sa.column("case_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("on", sa.Date),
        sa.column("details", sa.JSON),
        sa.column("at", _TS),
        sa.column("text_sent", sa.Text),
    )
    outcomes = sa.table(
        "case_outcomes",
        sa.column("case_id", sa.Integer),
        sa.column("stage", sa.String),
        sa.column("outcome", sa.String),
        sa.column("remedies", sa.JSON),
        sa.column("responded_on", sa.Date),
        sa.column("recorded_at", _TS),
    )
    rows = conn.execute(
        sa.select(cases.c.id, cases.c.state, cases.c.outcome, subs.c.home_code, subs.c.kind).join(
            subs, subs.c.id == cases.c.submission_id
        )
    ).all()
    for case_id, state, outcome, home_code, kind in rows:
        last = "withdraw" if state == "closed" and outcome == "withdrawn" else _LAST_STEP.get(state, "receive")
        conn.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(last_step=last, services=[home_code], advocacy_offered=kind == "complaint")
        )
    for case_id, action, on, details, at in conn.execute(
        sa.select(events.c.case_id, events.c.action, events.c.on, events.c.details, events.c.at).where(
            events.c.action.in_(list(_STAGE_OF))
        )
    ).all():
        details = json.loads(details) if isinstance(details, str) else (details or {})
        conn.execute(
            outcomes.insert().values(
                case_id=case_id,
                stage=_STAGE_OF[action],
                outcome=details.get("outcome") or "not_upheld",
                remedies=details.get("remedies") or [],
                responded_on=on,
                recorded_at=at,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("advocacy_requests") as batch:
        for name in ("provider_notice_error", "provider_notice_attempts", "provider_notified_at", "provider_notice"):
            batch.drop_column(name)
    op.drop_index("ix_case_outcomes_case_id", "case_outcomes")
    op.drop_table("case_outcomes")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("fk_cases_subject_staff_id", type_="foreignkey")
        for name in (
            "ombudsman_enquiry_on",
            "ofsted_notified_on",
            "lado_referred_on",
            "handler",
            "about_manager",
            "subject_staff_id",
            "subject_staff",
            "panel_members",
            "independent_person",
            "investigating_officer",
            "advocacy_offered",
            "child_response",
            "not_accepted_reason",
            "route",
            "services",
            "consent_note",
            "received_via",
            "complainant_name",
            "complainant",
            "last_step",
        ):
            batch.drop_column(name)
