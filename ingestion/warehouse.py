"""Load a validated contract folder into the DuckDB build warehouse (pure: no Dagster in here).

Layout (other modules and the dbt project code against it):
- ``raw.<contract table>``: exactly the contract columns, typed, plus ``_load_id``, ``_source_file``,
  ``_line_no``, ``_loaded_at``. One row per natural primary key: a newer export replaces an older one.
- ``raw.prices_history`` (every distinct price version) and ``raw.case_status_history`` (status changes).
- ``ops.loads``, ``ops.load_summary``, ``ops.quarantine``, ``ops.file_errors``: what each load did.

Loading the same folder twice leaves ``raw`` and ``ops.quarantine`` unchanged (the summary logs the
second load as reading rows that were neither new nor changed).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from ingestion.contract import CONTRACT, REFERENCED_KEYS, TABLE_LOAD_ORDER, LogicalType
from ingestion.validate import FileError, ValidationResult, validate_folder

# duckdb 1.x readers (Superset) must be able to open what we write; only applies at file creation.
WAREHOUSE_CONFIG: dict[str, Any] = {"storage_compatibility_version": "v1.4.0"}

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
        rows_new BIGINT, rows_changed BIGINT, status VARCHAR)""",
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


class BadShareError(Exception):
    """Too many bad rows: the load was refused as a whole (nothing went into ``raw``)."""


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


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build warehouse (creating its folder) with the shared config."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=dict(WAREHOUSE_CONFIG))


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
    for ddl in OPS_DDL:
        con.execute(ddl)


def warehouse_keys(con: duckdb.DuckDBPyConnection) -> dict[str, set[Any]]:
    """Every referenced key already in the warehouse, for the children's foreign-key checks."""
    keys: dict[str, set[Any]] = {}
    for key in sorted(REFERENCED_KEYS):
        table, column = key.split(".", 1)
        rows = con.execute(f"SELECT DISTINCT {column} FROM raw.{table} WHERE {column} IS NOT NULL")
        keys[key] = {r[0] for r in rows.fetchall()}
    return keys


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _export_time(manifest: Mapping[str, Any] | None, fallback: datetime) -> datetime:
    text = (manifest or {}).get("exported_at")
    if text:
        stamp = pd.to_datetime(str(text), errors="coerce", format="ISO8601")
        if pd.notna(stamp):
            stamp = stamp.tz_localize("Asia/Shanghai") if stamp.tzinfo is None else stamp
            return stamp.to_pydatetime()
    return fallback


def _relative(source: str, root: Path) -> str:
    prefix = str(root).rstrip("/") + "/"
    return source[len(prefix) :] if source.startswith(prefix) else source


def _table_summary(result: ValidationResult, source_file: str) -> TableSummary:
    rejected = result.rejects["line_no"].nunique()
    reasons = result.rejects["reason_code"].value_counts().sort_index()
    return TableSummary(
        table=result.table,
        source_file=source_file,
        rows_read=len(result.good) + int(rejected),
        rows_loaded=len(result.good),
        rows_quarantined=int(rejected),
        reasons={str(k): int(v) for k, v in reasons.items()},
    )


def load_folder(
    con: duckdb.DuckDBPyConnection,
    folder: Path | str,
    load_id: str,
    *,
    tables: Collection[str] | None = None,
    max_bad_row_share: float | None = None,
    exported_at: datetime | None = None,
    source: str | None = None,
) -> LoadSummary:
    """Validate ``folder`` (a contract folder or .zip) and load it as ``load_id`` in one transaction.

    ``tables`` restricts the load to those contract tables (parents outside come from the warehouse);
    ``source`` names the origin in ``ops.loads`` (default: the folder).
    Raises ``BadShareError`` (after recording the refusal in ``ops.load_summary``) when the share of
    bad rows exceeds ``max_bad_row_share`` (default: settings); ``TableReadError`` when a .zip is
    refused as a whole. Unreadable files are reported in the summary and ``ops.file_errors``.
    """
    from ingestion.upsert import insert_file_errors, insert_quarantine, insert_summary, upsert_table

    folder = Path(folder)
    if max_bad_row_share is None:
        from zhifa.settings import get_settings

        max_bad_row_share = get_settings().max_bad_row_share
    ensure_schema(con)
    validation = validate_folder(folder, known_keys=warehouse_keys(con), tables=tables)
    now = datetime.now(UTC)
    label = source or str(folder)
    summary = LoadSummary(load_id, label, _export_time(validation.manifest, exported_at or now))
    for name, result in validation.tables.items():
        result.source_file = _relative(result.source_file, folder)
        result.rejects["source_file"] = result.source_file
        summary.tables[name] = _table_summary(result, result.source_file)
    summary.file_errors = [
        FileError(_relative(e.file, folder), e.table, e.message) for e in validation.file_errors
    ]
    too_bad = summary.bad_share > max_bad_row_share
    if too_bad:
        summary.status = STATUS_REJECTED
    with _transaction(con):
        con.execute(
            "INSERT INTO ops.loads VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [load_id, label, summary.exported_at, json.dumps(validation.manifest), now],
        )
        if not too_bad:
            for name, result in validation.tables.items():
                new, changed = upsert_table(con, result, load_id, now, summary.exported_at)
                summary.tables[name].rows_new, summary.tables[name].rows_changed = new, changed
                insert_quarantine(con, result.rejects, load_id, now)
            insert_file_errors(con, summary.file_errors, load_id, now)
        insert_summary(con, summary, now)
    if too_bad:
        raise BadShareError(
            f"坏行比例 {summary.bad_share:.1%} 超过上限 {max_bad_row_share:.1%}，本次导入未加载：{folder} / "
            f"bad-row share {summary.bad_share:.1%} exceeds {max_bad_row_share:.1%}; nothing loaded from "
            f"{folder} (load {load_id}; {summary.rows_quarantined} of {summary.rows_read} rows bad)"
        )
    return summary


def arrow_frame(result: ValidationResult) -> pa.Table:
    """Good rows as Arrow, with the file line as ``_line_no`` (typed columns stay as parsed)."""
    good = result.good
    frame = good.reset_index(drop=True)
    frame["_line_no"] = good.index.to_numpy(dtype="int64")
    return pa.Table.from_pandas(frame, preserve_index=False)
