"""office scale: the stored procedural deadlines, their rules' fingerprint, the search's date, amount
and trigram indexes

Revision ID: 0015_office_scale
Revises: 0014_licence_holder_notices
Create Date: 2026-12-07 07:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_office_scale"
down_revision = "0014_licence_holder_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_deadlines",
        sa.Column("case_id", sa.String(length=30), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=12), nullable=False),
        sa.Column("what", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "ordinal"),
    )
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.create_index("ix_case_deadlines_unit_due", ["unit_code", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_deadlines_due_on"), ["due_on"], unique=False)
    rules = op.create_table(
        "clock_rules",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # an empty fingerprint: the first start-up fills the table (the row is what it locks meanwhile)
    op.bulk_insert(rules, [{"name": "deadlines", "fingerprint": ""}])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_discovered_at"), ["discovered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_illegal_amount"), ["illegal_amount"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_fine_amount"), ["fine_amount"], unique=False)
    if op.get_bind().dialect.name == "postgresql":  # trusted since PostgreSQL 13: a database owner may
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in (("ix_cases_party_trgm", "party_name"), ("ix_cases_licence_trgm", "licence_no")):
        op.create_index(
            name, "cases", [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
        )


def downgrade() -> None:
    op.drop_index("ix_cases_licence_trgm", table_name="cases")
    op.drop_index("ix_cases_party_trgm", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_fine_amount"))
        batch_op.drop_index(batch_op.f("ix_cases_illegal_amount"))
        batch_op.drop_index(batch_op.f("ix_cases_discovered_at"))
    op.drop_table("clock_rules")
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_deadlines_due_on"))
        batch_op.drop_index("ix_case_deadlines_unit_due")
    op.drop_table("case_deadlines")
