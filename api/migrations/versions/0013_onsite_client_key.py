"""on-site check: the phone's Idempotency-Key, so a retried record replays instead of being refused

Revision ID: 0013_onsite_client_key
Revises: 0012_licensing
Create Date: 2026-12-07 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_onsite_client_key"
down_revision = "0012_licensing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licence_onsite_checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_key", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("licence_onsite_checks", schema=None) as batch_op:
        batch_op.drop_column("client_key")
