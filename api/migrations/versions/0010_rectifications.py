"""rectification (issue #19 §1): a task to the handling unit after a review with deductions, per finding

Revision ID: 0010_rectifications
Revises: 0009_upward_reports
Create Date: 2026-12-07 03:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_rectifications"
down_revision = "0009_upward_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rectifications",
        sa.Column("rectification_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("human_review_id", sa.Integer(), nullable=True),
        sa.Column("machine_review_id", sa.Integer(), nullable=True),
        sa.Column("officer_ids", sa.JSON(), nullable=False),
        sa.Column("deducted_points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.dossier_id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["units.unit_code"]),
        sa.ForeignKeyConstraint(["human_review_id"], ["human_reviews.review_id"]),
        sa.ForeignKeyConstraint(["machine_review_id"], ["machine_reviews.review_id"]),
        sa.ForeignKeyConstraint(["opened_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("rectification_id"),
    )
    with op.batch_alter_table("rectifications", schema=None) as batch_op:
        batch_op.create_index("ix_rectifications_dossier_id", ["dossier_id"], unique=False)
        batch_op.create_index("ix_rectifications_unit_code", ["unit_code"], unique=False)
        batch_op.create_index("ix_rectifications_status", ["status"], unique=False)
        batch_op.create_index("ix_rectifications_reviewer_id", ["reviewer_id"], unique=False)
        batch_op.create_index("ix_rectifications_updated_at", ["updated_at"], unique=False)
    op.create_table(
        "rectification_items",
        sa.Column("item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rectification_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=20), nullable=False),
        sa.Column("rule_name_zh", sa.String(length=200), nullable=True),
        sa.Column("deducted_points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("document_name", sa.String(length=200), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recheck_reason", sa.Text(), nullable=True),
        sa.Column("rechecked_by", sa.Integer(), nullable=True),
        sa.Column("rechecked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rectification_id"], ["rectifications.rectification_id"]),
        sa.ForeignKeyConstraint(["document_sha256"], ["stored_files.sha256"]),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["rechecked_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("item_id"),
    )
    with op.batch_alter_table("rectification_items", schema=None) as batch_op:
        batch_op.create_index("ix_rectification_items_rectification_id", ["rectification_id"], unique=False)
        batch_op.create_index("ix_rectification_items_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("rectification_items")
    op.drop_table("rectifications")
