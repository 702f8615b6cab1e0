"""archives (issue #18 §5): the archived dossier of a closed case

Revision ID: 0004_archives
Revises: 0003_security
Create Date: 2026-12-07 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_archives"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archives",
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("archive_no", sa.String(length=80), nullable=False),
        sa.Column("retention", sa.String(length=20), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("archived_by", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["archived_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.ForeignKeyConstraint(["pdf_sha256"], ["stored_files.sha256"]),
        sa.PrimaryKeyConstraint("case_id"),
        sa.UniqueConstraint("archive_no"),
    )


def downgrade() -> None:
    op.drop_table("archives")
