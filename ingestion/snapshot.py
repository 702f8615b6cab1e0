"""Publish the read-only serving copy of the warehouse that dashboards and ad-hoc readers open.

Only published schemas are copied (marts, reference data, load bookkeeping), never ``raw`` with
its personal data; views become tables so the copy stands alone. The copy is written next to the
serving file with duckdb 1.x-compatible storage and swapped in with ``os.replace``: a reader keeps
the old file until its next connection, and nobody ever waits on the build file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.warehouse import WAREHOUSE_CONFIG

# Schemas copied as they are; dbt may prefix custom schemas with its target schema ("main_marts").
PUBLISHED_SCHEMAS = ("marts", "ref")
PUBLISHED_SUFFIXES = tuple(f"_{s}" for s in PUBLISHED_SCHEMAS)
# Load bookkeeping: which ops tables and columns go out (quarantine without the raw values).
PUBLISHED_OPS: dict[str, str] = {
    "loads": "load_id, source, exported_at, first_loaded_at",
    "load_summary": "*",
    "file_errors": "*",
    "quarantine": "load_id, table_name, source_file, line_no, reason_code, reason, quarantined_at",
}


@dataclass
class SnapshotInfo:
    path: Path
    tables: dict[str, int]  # "schema.table" -> rows
    bytes: int


def _published(schema: str) -> bool:
    return schema in PUBLISHED_SCHEMAS or schema.endswith(PUBLISHED_SUFFIXES)


def publish_snapshot(build: duckdb.DuckDBPyConnection, serve_path: Path) -> SnapshotInfo:
    """Copy the published part of the open build warehouse to ``serve_path`` atomically."""
    serve_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = serve_path.with_name(serve_path.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
    version = WAREHOUSE_CONFIG["storage_compatibility_version"]
    build.execute(f"ATTACH '{tmp}' AS snap (STORAGE_VERSION '{version}')")
    copied: dict[str, int] = {}
    try:
        rows = build.execute(
            """SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_catalog = current_database() ORDER BY 1, 2"""
        ).fetchall()
        for schema, table in rows:
            if schema == "ops" and table in PUBLISHED_OPS:
                columns = PUBLISHED_OPS[table]
            elif _published(schema):
                columns = "*"
            else:
                continue
            build.execute(f'CREATE SCHEMA IF NOT EXISTS snap."{schema}"')
            build.execute(
                f'CREATE TABLE snap."{schema}"."{table}" AS SELECT {columns} FROM "{schema}"."{table}"'
            )
            count = build.execute(f'SELECT count(*) FROM snap."{schema}"."{table}"').fetchone()
            copied[f"{schema}.{table}"] = int(count[0]) if count else 0
        build.execute("CHECKPOINT snap")
    finally:
        build.execute("DETACH snap")
    os.replace(tmp, serve_path)
    return SnapshotInfo(serve_path, copied, serve_path.stat().st_size)
