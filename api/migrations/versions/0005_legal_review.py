"""legal review of major decisions (issue #18 §2): the handler's complex-case mark, collective discussions

Revision ID: 0005_legal_review
Revises: 0004_archives
Create Date: 2026-12-07 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_legal_review"
down_revision = "0004_archives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("marked_complex", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "collective_discussions",
        sa.Column("discussion_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.ForeignKeyConstraint(["document_id"], ["documents.document_id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("discussion_id"),
    )
    with op.batch_alter_table("collective_discussions", schema=None) as batch_op:
        batch_op.create_index("ix_collective_discussions_case_id", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("collective_discussions")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("marked_complex")
