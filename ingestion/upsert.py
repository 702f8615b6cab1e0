"""SQL behind ``ingestion.warehouse.load_folder``: idempotent upserts, history and ops records.

A table's good rows are staged in a temp table chunk by chunk (``start_stage``, ``stage_rows``), then
merged at once (``merge_stage``), so no whole-table frame is ever held in Python.

Keys are matched with ``IS NOT DISTINCT FROM`` because some natural keys have nullable parts
(``prices.province_code`` null = national). A stored row is replaced only when its content differs
and its export is older than the incoming one (or as old, from an earlier load), so re-loading a
folder, or replaying every landing in order, touches nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from ingestion.contract import CONTRACT
from ingestion.folders import FileError
from ingestion.raw_schema import LoadSummary, raw_columns


def _match(left: str, right: str, columns: Sequence[str]) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in columns)


def _row(alias: str, columns: Sequence[str]) -> str:
    return "row(" + ", ".join(f"{alias}.{c}" for c in columns) + ")"


def start_stage(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """An empty ``_stage`` shaped like ``raw.<table>``, filled chunk by chunk with ``stage_rows``."""
    columns = ", ".join(f"{name} {sql}" for name, sql in raw_columns(table))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _stage ({columns})")


def stage_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: pd.DataFrame,
    load_id: str,
    source_file: str,
    loaded_at: datetime,
) -> None:
    """Append good rows (typed contract columns plus ``_line_no``) to ``_stage``."""
    types = dict(raw_columns(table))
    typed = ", ".join(f"CAST({c} AS {types[c]}) AS {c}" for c in CONTRACT[table].column_names)
    con.register("_incoming", pa.Table.from_pandas(rows, preserve_index=False))
    try:
        con.execute(
            f"""INSERT INTO _stage
            SELECT {typed}, ?::VARCHAR, ?::VARCHAR, CAST(_line_no AS BIGINT), ?::TIMESTAMPTZ
            FROM _incoming""",
            [load_id, source_file, loaded_at],
        )
    finally:
        con.unregister("_incoming")


def unstage_lines(con: duckdb.DuckDBPyConnection, lines: Sequence[int]) -> None:
    """Take rows back out of ``_stage`` (duplicates found once the whole file was seen)."""
    if len(lines):
        con.register("_dropped", pa.table({"line": pa.array(lines, pa.int64())}))
        try:
            con.execute("DELETE FROM _stage WHERE _line_no IN (SELECT line FROM _dropped)")
        finally:
            con.unregister("_dropped")


def merge_stage(con: duckdb.DuckDBPyConnection, table_name: str, exported_at: datetime) -> tuple[int, int]:
    """Merge ``_stage`` into ``raw.<table>`` and drop it; returns (new rows, changed rows)."""
    table = CONTRACT[table_name]
    names = list(table.column_names)
    key = list(table.primary_key)
    # Changed: same key, different content, and the stored row's export is older — or as old and
    # from an earlier load (two exports stamped alike: the later landing wins, on every replay too).
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _changed AS SELECT s.* FROM _stage s
        JOIN raw.{table.name} r ON {_match("r", "s", key)}
        LEFT JOIN ops.loads l ON l.load_id = r._load_id
        WHERE {_row("s", names)} IS DISTINCT FROM {_row("r", names)}
          AND row(coalesce(l.exported_at, '-infinity'::TIMESTAMPTZ), r._load_id)
              <= row(?::TIMESTAMPTZ, s._load_id)""",
        [exported_at],
    )
    con.execute(f"DELETE FROM raw.{table.name} r USING _changed c WHERE {_match('r', 'c', key)}")
    con.execute(f"INSERT INTO raw.{table.name} SELECT * FROM _changed")
    # New keys straight from the stage (no copy of a first load); the changed keys are back in raw.
    inserted = con.execute(
        f"""INSERT INTO raw.{table.name} SELECT s.* FROM _stage s
        WHERE NOT EXISTS (SELECT 1 FROM raw.{table.name} r WHERE {_match("r", "s", key)})"""
    ).fetchone()
    new = int(inserted[0]) if inserted else 0
    changed = _count(con, "_changed")
    if table.name == "prices":
        _record_price_versions(con, names, exported_at)
    elif table.name == "cases":
        _record_status_changes(con, exported_at)
    for temp in ("_stage", "_changed"):
        con.execute(f"DROP TABLE {temp}")
    return new, changed


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _record_price_versions(con: duckdb.DuckDBPyConnection, names: list[str], exported_at: datetime) -> None:
    """Every distinct version of a price row, once (the raw table keeps only the newest)."""
    cols = ", ".join(names)
    con.execute(
        f"""INSERT INTO raw.prices_history
        SELECT {cols}, ?::TIMESTAMPTZ, _load_id, _source_file, _line_no, _loaded_at FROM _stage s
        WHERE NOT EXISTS (SELECT 1 FROM raw.prices_history h WHERE {_match("h", "s", names)})""",
        [exported_at],
    )


def _record_status_changes(con: duckdb.DuckDBPyConnection, exported_at: datetime) -> None:
    """A case's status is recorded when it differs from the last one known at that export time and
    this (case, status, export time) is not recorded yet: replaying a load adds nothing, even when two
    exports of one time disagree (then "the last one" is no single status)."""
    con.execute(
        """INSERT INTO raw.case_status_history
        SELECT s.case_id, s.status, ?::TIMESTAMPTZ, s._load_id, s._source_file, s._line_no, s._loaded_at
        FROM _stage s
        LEFT JOIN (
            SELECT case_id, arg_max(status, row(exported_at, _load_id)) AS status
            FROM raw.case_status_history
            WHERE exported_at <= ?::TIMESTAMPTZ GROUP BY case_id
        ) h ON h.case_id = s.case_id
        WHERE h.status IS DISTINCT FROM s.status
          AND NOT EXISTS (
            SELECT 1 FROM raw.case_status_history r
            WHERE r.case_id = s.case_id AND r.status = s.status AND r.exported_at = ?::TIMESTAMPTZ)""",
        [exported_at, exported_at, exported_at],
    )


def insert_quarantine(
    con: duckdb.DuckDBPyConnection, rejects: pd.DataFrame, load_id: str, at: datetime
) -> None:
    """Add rejects not already quarantined (same table, file, line, reason and values)."""
    if rejects.empty:
        return
    con.register("_rejects", rejects)
    try:
        con.execute(
            """INSERT INTO ops.quarantine
            SELECT DISTINCT ?, q.table_name, q.source_file, q.line_no, q.reason_code, q.reason,
                   q.raw_values::JSON, ?::TIMESTAMPTZ
            FROM _rejects q
            WHERE NOT EXISTS (
                SELECT 1 FROM ops.quarantine o
                WHERE o.table_name = q.table_name AND o.source_file = q.source_file
                  AND o.line_no = q.line_no AND o.reason_code = q.reason_code
                  AND o.reason = q.reason AND o.raw_values::VARCHAR = q.raw_values::JSON::VARCHAR)""",
            [load_id, at],
        )
    finally:
        con.unregister("_rejects")


def insert_file_errors(
    con: duckdb.DuckDBPyConnection, errors: Sequence[FileError], load_id: str, at: datetime
) -> None:
    for error in errors:
        con.execute(
            "DELETE FROM ops.file_errors WHERE load_id = ? AND source_file = ?", [load_id, error.file]
        )
        con.execute(
            "INSERT INTO ops.file_errors VALUES (?, ?, ?, ?, ?)",
            [load_id, error.table, error.file, error.message, at],
        )


def insert_summary(con: duckdb.DuckDBPyConnection, summary: LoadSummary, at: datetime) -> None:
    """One row per table of the load; re-running a load id replaces its rows."""
    for t in summary.tables.values():
        con.execute(
            "DELETE FROM ops.load_summary WHERE load_id = ? AND table_name = ?", [summary.load_id, t.table]
        )
        con.execute(
            """INSERT INTO ops.load_summary (load_id, table_name, source_file, rows_read, rows_loaded,
                rows_quarantined, reasons, loaded_at, rows_new, rows_changed, status, aliases)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                summary.load_id,
                t.table,
                t.source_file,
                t.rows_read,
                t.rows_loaded if summary.status == "loaded" else 0,
                t.rows_quarantined,
                json.dumps(t.reasons),
                at,
                t.rows_new,
                t.rows_changed,
                summary.status,
                json.dumps(t.aliases, ensure_ascii=False),
            ],
        )
