"""The API store as extraction reads it: SQLAlchemy Core tables reflected from the store itself.

Extraction imports nothing of ``api`` (its ORM models, sessions and services are the API's own business):
the store's migrated schema is the published interface. A store that lacks a table extraction reads
(never migrated, or older than this code) is refused with the table names, before anything is read.
"""

from __future__ import annotations

import sqlalchemy as sa

# every store table that extraction reads
READ_TABLES = (
    "units",
    "officers",
    "users",
    "cases",
    "case_items",
    "case_officers",
    "approvals",
    "documents",
    "uploads",
    "publications",
    "archives",
    "dossiers",
    "machine_reviews",
    "review_rules",
    "review_rule_sets",
    "review_tasks",
    "human_reviews",
    "human_review_items",
    "sampling_plans",
    "sampling_draws",
    "training_assignments",
    "rectifications",
    "rectification_items",
    "upward_reports",
    "layout_rule_sets",
)


class StoreSchemaError(RuntimeError):
    """The API store lacks tables that extraction reads."""


class StoreTables:
    """Reflected store tables by name: ``tables["cases"].c.updated_at``."""

    def __init__(self, db: sa.Connection) -> None:
        present = set(sa.inspect(db).get_table_names())
        missing = [t for t in READ_TABLES if t not in present]
        if missing:
            raise StoreSchemaError(
                "API store lacks tables " + ", ".join(missing) + " — migrate it (start the API once) "
                "/ API 库缺少数据表，请先迁移"
            )
        self._meta = sa.MetaData()
        self._meta.reflect(bind=db, only=list(READ_TABLES))

    def __getitem__(self, name: str) -> sa.Table:
        return self._meta.tables[name]
