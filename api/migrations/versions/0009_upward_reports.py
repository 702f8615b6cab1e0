"""upward reporting and transfer (issue #18 §4): duties towards another unit, in its 待办

Revision ID: 0009_upward_reports
Revises: 0008_upload_sessions
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_upward_reports"
down_revision = "0008_upload_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upward_reports",
        sa.Column("report_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_unit", sa.String(length=12), nullable=False),
        sa.Column("to_unit", sa.String(length=12), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("legal_basis", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("clock", sa.String(length=12), nullable=False),
        sa.Column("limit_value", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.ForeignKeyConstraint(["from_unit"], ["units.unit_code"]),
        sa.ForeignKeyConstraint(["to_unit"], ["units.unit_code"]),
        sa.PrimaryKeyConstraint("report_id"),
        sa.UniqueConstraint("case_id", "kind", name="uq_upward_reports_case_kind"),
    )
    with op.batch_alter_table("upward_reports", schema=None) as batch_op:
        batch_op.create_index("ix_upward_reports_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_upward_reports_to_unit", ["to_unit"], unique=False)
        batch_op.create_index("ix_upward_reports_status", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("upward_reports")
