"""Load a validated contract folder into the DuckDB build warehouse (pure: no Dagster in here), into the
tables of ``ingestion.raw_schema``. One row per natural primary key: a newer export replaces an older one.

Loading the same folder twice leaves ``raw`` and ``ops.quarantine`` unchanged (the summary logs the
second load as reading rows that were neither new nor changed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ingestion.contract import CONTRACT, REFERENCED_KEYS
from ingestion.folders import FileError, KeySets, open_folder
from ingestion.raw_schema import STATUS_REJECTED, LoadSummary, TableSummary, ensure_schema
from ingestion.readers import RawTable
from ingestion.validate import KeyArrays, StreamedValidation, stream_table
from zhifa import clock
from zhifa.clock import LOCAL_TIMEZONE

# duckdb 1.x readers (Superset) must be able to open what we write; only applies at file creation.
WAREHOUSE_CONFIG: dict[str, Any] = {"storage_compatibility_version": "v1.4.0"}

# Rows validated and staged at a time: bounds the Python memory of a big table's load (a few hundred
# MB of typed columns per chunk), not a business rule.
STREAM_CHUNK_ROWS = 250_000
# DuckDB's own memory during a load (it spills the staged rows to ``<warehouse>.tmp`` beyond this);
# without a cap it keeps ~80% of RAM for itself. A tuning value like the one above.
LOAD_MEMORY_LIMIT = "1GB"
# Check the usual rows in DuckDB SQL and only the rest in Python (ingestion.sql_screen); False keeps the
# Python validator alone, the reference the screen is tested against.
SQL_SCREEN = True


class BadShareError(Exception):
    """Too many bad rows: the load was refused as a whole (nothing went into ``raw``)."""


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the build warehouse (creating its folder) with the shared config."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=dict(WAREHOUSE_CONFIG))


def warehouse_keys(
    con: duckdb.DuckDBPyConnection, tables: Collection[str] | None = None
) -> dict[str, set[Any]]:
    """The referenced keys already in the warehouse, for the children's foreign-key checks: every one,
    or those the foreign keys of ``tables`` name (a day's cases need no licence applications)."""
    wanted = REFERENCED_KEYS
    if tables is not None:
        wanted = frozenset(fk.key for t in tables for fk in CONTRACT[t].foreign_keys)
    keys: dict[str, set[Any]] = {}
    for key in sorted(wanted):
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


@contextmanager
def _memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Cap DuckDB's memory for the block, on a file-backed warehouse (an in-memory one cannot spill)."""
    row = con.execute(
        """SELECT path, current_setting('memory_limit') FROM duckdb_databases()
        WHERE database_name = current_database()"""
    ).fetchone()
    if row is None or row[0] is None:
        yield
        return
    con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{row[1]}'")


def _export_time(manifest: Mapping[str, Any] | None, fallback: datetime) -> datetime:
    text = (manifest or {}).get("exported_at")
    if text:
        stamp = pd.to_datetime(str(text), errors="coerce", format="ISO8601")
        if pd.notna(stamp):
            stamp = stamp.tz_localize(LOCAL_TIMEZONE) if stamp.tzinfo is None else stamp
            return stamp.to_pydatetime()
    return fallback


def _relative(source: str, root: Path) -> str:
    prefix = str(root).rstrip("/") + "/"
    return source[len(prefix) :] if source.startswith(prefix) else source


def _table_summary(streamed: StreamedValidation, source_file: str) -> TableSummary:
    rejected = streamed.rejects["line_no"].nunique()
    reasons = streamed.rejects["reason_code"].value_counts().sort_index()
    return TableSummary(
        table=streamed.table,
        source_file=source_file,
        rows_read=streamed.rows_good + int(rejected),
        rows_loaded=streamed.rows_good,
        rows_quarantined=int(rejected),
        reasons={str(k): int(v) for k, v in reasons.items()},
        aliases=dict(sorted(streamed.aliases.items())),
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

    Tables are validated and staged one at a time, ``STREAM_CHUNK_ROWS`` rows at a time, inside the
    transaction; a refused load is rolled back, so nothing of it reaches ``raw``.
    """
    from ingestion.upsert import insert_file_errors, insert_summary

    folder = Path(folder)
    if max_bad_row_share is None:
        from zhifa.settings import get_settings

        max_bad_row_share = get_settings().max_bad_row_share
    ensure_schema(con)
    now = clock.now()
    label = source or str(folder)
    with open_folder(folder) as opened:
        present = {*opened.listing.tables, *opened.listing.conflicts} & set(tables or CONTRACT)
        known = warehouse_keys(con, present)
        summary = LoadSummary(load_id, label, _export_time(opened.manifest, exported_at or now))
        loads_row = [load_id, label, summary.exported_at, json.dumps(opened.manifest), now]
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("INSERT INTO ops.loads VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", loads_row)
            with _memory_limit(con, LOAD_MEMORY_LIMIT):
                opened.check_tables(_loader(con, folder, summary, now), known, tables)
        except BaseException:
            con.execute("ROLLBACK")
            raise
    summary.file_errors = [
        FileError(_relative(e.file, folder), e.table, e.message) for e in opened.file_errors
    ]
    if summary.bad_share <= max_bad_row_share:
        try:
            insert_file_errors(con, summary.file_errors, load_id, now)
            insert_summary(con, summary, now)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return summary
    con.execute("ROLLBACK")  # nothing of a refused load stays, except the record of the refusal
    summary.status = STATUS_REJECTED
    for table in summary.tables.values():
        table.rows_new = table.rows_changed = 0
    with _transaction(con):
        con.execute("INSERT INTO ops.loads VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", loads_row)
        insert_summary(con, summary, now)
    raise BadShareError(
        f"坏行比例 {summary.bad_share:.1%} 超过上限 {max_bad_row_share:.1%}，本次导入未加载：{folder} / "
        f"bad-row share {summary.bad_share:.1%} exceeds {max_bad_row_share:.1%}; nothing loaded from "
        f"{folder} (load {load_id}; {summary.rows_quarantined} of {summary.rows_read} rows bad)"
    )


def _loader(
    con: duckdb.DuckDBPyConnection, folder: Path, summary: LoadSummary, now: datetime
) -> Callable[[str, RawTable, Mapping[str, set[Any]]], tuple[TableSummary, KeySets]]:
    """The per-table step of ``load_folder``: stream-validate into ``_stage``, merge, quarantine."""
    from ingestion.refcodes import load_kinds
    from ingestion.sql_screen import SqlScreen, screenable
    from ingestion.upsert import insert_quarantine, merge_stage, stage_rows, start_stage, unstage_lines

    key_arrays = KeyArrays()  # every child of this load reuses its parents' key arrays

    def load(name: str, raw: RawTable, keys: Mapping[str, set[Any]]) -> tuple[TableSummary, KeySets]:
        source_file = _relative(raw.source, folder)
        start_stage(con, name)

        def sink(rows: pd.DataFrame) -> None:
            stage_rows(con, name, rows, summary.load_id, source_file, now)

        screen = None
        if SQL_SCREEN and screenable(CONTRACT[name]):
            meta = (summary.load_id, source_file, now)
            screen = SqlScreen(con, name, keys, load_kinds(), meta, key_arrays)
        try:
            streamed = stream_table(
                name,
                raw,
                sink,
                known_keys=keys,
                chunk_rows=STREAM_CHUNK_ROWS,
                screen=screen,
                key_arrays=key_arrays,
            )
        finally:
            if screen is not None:
                screen.close()
        unstage_lines(con, streamed.dropped_lines.tolist())
        streamed.rejects["source_file"] = source_file
        table = summary.tables[name] = _table_summary(streamed, source_file)
        table.rows_new, table.rows_changed = merge_stage(con, name, summary.exported_at)
        insert_quarantine(con, streamed.rejects, summary.load_id, now)
        return table, streamed.good_keys

    return load
