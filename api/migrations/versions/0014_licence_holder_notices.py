"""licensing: reminders to licence holders (renewal), one per licence period, with their delivery

Revision ID: 0014_licence_holder_notices
Revises: 0013_onsite_client_key
Create Date: 2026-12-07 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_licence_holder_notices"
down_revision = "0013_onsite_client_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "licence_holder_notices",
        sa.Column("notice_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("licence_no", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["licence_no"], ["licences.licence_no"]),
        sa.PrimaryKeyConstraint("notice_id"),
        sa.UniqueConstraint("licence_no", "kind", "valid_to", name="uq_holder_notice_period"),
    )
    with op.batch_alter_table("licence_holder_notices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_holder_notices_licence_no"), ["licence_no"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("licence_holder_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_holder_notices_licence_no"))
    op.drop_table("licence_holder_notices")
