"""resumable uploads (issue #16 §5): an upload in progress and how much of it arrived

Revision ID: 0008_upload_sessions
Revises: 0007_messages
Create Date: 2026-12-07 00:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_upload_sessions"
down_revision = "0007_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client_key", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.upload_id"]),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("user_id", "client_key", name="uq_upload_sessions_client_key"),
    )
    with op.batch_alter_table("upload_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_upload_sessions_case_id", ["case_id"], unique=False)
        batch_op.create_index("ix_upload_sessions_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("upload_sessions")
