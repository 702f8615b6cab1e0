"""the case search's per-unit index in case-number order

Revision ID: 0016_case_no_per_unit
Revises: 0015_office_scale
Create Date: 2026-12-07 15:20:00
"""

from alembic import op

revision = "0016_case_no_per_unit"
down_revision = "0015_office_scale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_unit_case_no", "cases", ["unit_code", "case_no"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_unit_case_no", table_name="cases")
