"""security (issue #12): audit entries scoped to a unit and hashed over every column; login failures

Revision ID: 0003_security
Revises: 0002
Create Date: 2026-12-06 21:10:00

Entries written before this revision keep ``version`` 1 (their hash does not cover the username) and no
unit: only administrators read them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_security"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("unit_code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("review_unit", sa.String(length=12), nullable=True))
        batch_op.create_index("ix_audit_log_unit_code", ["unit_code"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_at", ["at"], unique=False)
        batch_op.create_index("ix_login_failures_username", ["username"], unique=False)
        batch_op.create_index("ix_login_failures_client", ["client"], unique=False)


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_unit_code")
        batch_op.drop_column("review_unit")
        batch_op.drop_column("unit_code")
        batch_op.drop_column("version")
