"""The warehouse's landing layer as loads write it, and the summary a load records. Shared by the loader
(``warehouse``), its SQL (``upsert``), API-store extraction and the checks; it imports none of them.

Layout (other modules and the dbt project code against it):
- ``raw.<contract table>``: exactly the contract columns, typed, plus ``_load_id``, ``_source_file``,
  ``_line_no``, ``_loaded_at``.
- ``raw.prices_history`` (every distinct price version) and ``raw.case_status_history`` (status changes).
- ``raw.api_*``: API-store review work without a contract table (``ingestion.api_store.tables``).
- ``ops.loads``, ``ops.load_summary``, ``ops.quarantine``, ``ops.file_errors``, ``ops.watermarks``: what each
  load did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from ingestion.api_store.tables import OWN_TABLES
from ingestion.contract import CONTRACT, TABLE_LOAD_ORDER, LogicalType
from ingestion.folders import FileError

SQL_TYPES: dict[LogicalType, str] = {
    LogicalType.TEXT: "VARCHAR",
    LogicalType.ENUM: "VARCHAR",
    LogicalType.EAN13: "VARCHAR",
    LogicalType.LICENCE12: "VARCHAR",
    LogicalType.INT: "BIGINT",
    LogicalType.DECIMAL: "DOUBLE",
    LogicalType.BOOL: "BOOLEAN",
    LogicalType.DATE: "DATE",
    LogicalType.TIMESTAMP: "TIMESTAMPTZ",
}
META_COLUMNS = (
    ("_load_id", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_line_no", "BIGINT"),
    ("_loaded_at", "TIMESTAMPTZ"),
)
OPS_DDL = (
    """CREATE TABLE IF NOT EXISTS ops.loads (
        load_id VARCHAR PRIMARY KEY, source VARCHAR, exported_at TIMESTAMPTZ,
        manifest JSON, first_loaded_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS ops.load_summary (
        load_id VARCHAR, table_name VARCHAR, source_file VARCHAR, rows_read BIGINT,
        rows_loaded BIGINT, rows_quarantined BIGINT, reasons JSON, loaded_at TIMESTAMPTZ,
        rows_new BIGINT, rows_changed BIGINT, status VARCHAR, aliases JSON)""",
    # warehouses created before aliases were reported
    "ALTER TABLE ops.load_summary ADD COLUMN IF NOT EXISTS aliases JSON",
    """CREATE TABLE IF NOT EXISTS ops.quarantine (
        load_id VARCHAR, table_name VARCHAR, source_file VARCHAR, line_no BIGINT,
        reason_code VARCHAR, reason VARCHAR, raw_values JSON, quarantined_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS ops.file_errors (
        load_id VARCHAR, table_name VARCHAR, source_file VARCHAR, message VARCHAR,
        recorded_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS ops.watermarks (
        source VARCHAR, table_name VARCHAR, watermark TIMESTAMPTZ, load_id VARCHAR,
        updated_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS raw.case_status_history (
        case_id VARCHAR, status VARCHAR, exported_at TIMESTAMPTZ, _load_id VARCHAR,
        _source_file VARCHAR, _line_no BIGINT, _loaded_at TIMESTAMPTZ)""",
)
STATUS_LOADED = "loaded"
STATUS_REJECTED = "rejected_bad_share"


@dataclass
class TableSummary:
    table: str
    source_file: str
    rows_read: int
    rows_loaded: int  # good rows (new, changed or unchanged)
    rows_quarantined: int  # distinct rejected lines
    reasons: dict[str, int]  # reason_code -> number of problems
    rows_new: int = 0
    rows_changed: int = 0
    aliases: dict[str, int] = field(default_factory=dict)  # "column: alias → code" -> rows rewritten


@dataclass
class LoadSummary:
    load_id: str
    source: str
    exported_at: datetime
    tables: dict[str, TableSummary] = field(default_factory=dict)
    file_errors: list[FileError] = field(default_factory=list)
    status: str = STATUS_LOADED

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.tables.values())

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables.values())

    @property
    def bad_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


def raw_columns(table: str) -> list[tuple[str, str]]:
    """(column, SQL type) of ``raw.<table>``, contract columns first, then the load columns."""
    return [(c.name, SQL_TYPES[c.type]) for c in CONTRACT[table].columns] + list(META_COLUMNS)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw and ops table (empty) so dbt sources always exist."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS ops")
    for table in TABLE_LOAD_ORDER:
        cols = ", ".join(f"{name} {sql}" for name, sql in raw_columns(table))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({cols})")
    history = ", ".join(f"{name} {sql}" for name, sql in raw_columns("prices")[:-4])
    meta = ", ".join(f"{name} {sql}" for name, sql in META_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS raw.prices_history ({history}, exported_at TIMESTAMPTZ, {meta})")
    for own in OWN_TABLES.values():  # API-store review work (ingestion/api_store), also a dbt source
        cols = ", ".join(f"{name} {sql}" for name, sql in (*own.columns, *META_COLUMNS))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{own.name} ({cols})")
    for ddl in OPS_DDL:
        con.execute(ddl)
