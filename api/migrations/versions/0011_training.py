"""training assignments (issue #19 §2): a course assigned to an officer, its due date and completion

Revision ID: 0011_training
Revises: 0010_rectifications
Create Date: 2026-12-07 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_training"
down_revision = "0010_rectifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_assignments",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.String(length=10), nullable=False),
        sa.Column("officer_id", sa.String(length=20), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.officer_id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["units.unit_code"]),
        sa.ForeignKeyConstraint(["assigned_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    with op.batch_alter_table("training_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_training_assignments_course_id", ["course_id"], unique=False)
        batch_op.create_index("ix_training_assignments_officer_id", ["officer_id"], unique=False)
        batch_op.create_index("ix_training_assignments_updated_at", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("training_assignments")
