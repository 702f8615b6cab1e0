"""publication of decisions (issue #18 §1): the public record of each decided case

Revision ID: 0006_publications
Revises: 0005_legal_review
Create Date: 2026-12-07 00:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_publications"
down_revision = "0005_legal_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=60), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("drafted_by", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.ForeignKeyConstraint(["drafted_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.create_index("ix_publications_status", ["status"], unique=False)
        batch_op.create_index("ix_publications_published_at", ["published_at"], unique=False)


def downgrade() -> None:
    op.drop_table("publications")
