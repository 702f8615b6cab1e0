"""Publish the read-only serving copy of the warehouse that dashboards and ad-hoc readers open.

Only published schemas are copied (marts, reference data, load bookkeeping), never ``raw`` with
its personal data. Tables are copied; views stay views, re-created in the copy over its own tables
(the deprecated old mart names are views over the renamed marts: copying them would store the 13M-row
rule results twice, and a view cannot drift from its mart). A view over unpublished data fails the
publish. The copy is written next to the
serving file with duckdb 1.x-compatible storage and swapped in with ``os.replace``: a reader keeps
the old file until its next connection, and nobody ever waits on the build file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    views: list[str] = field(default_factory=list)  # "schema.view", re-created as views


class SnapshotError(RuntimeError):
    """The published copy cannot stand alone (a view reads a relation that is not published)."""


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
            """SELECT table_schema, table_name, table_type = 'VIEW' FROM information_schema.tables
            WHERE table_catalog = current_database() ORDER BY 1, 2"""
        ).fetchall()
        views: list[tuple[str, str]] = []
        for schema, table, is_view in rows:
            if schema == "ops" and table in PUBLISHED_OPS:
                columns = PUBLISHED_OPS[table]
            elif _published(schema):
                columns = "*"
            else:
                continue
            if is_view and columns == "*":
                views.append((schema, table))
                continue
            build.execute(f'CREATE SCHEMA IF NOT EXISTS snap."{schema}"')
            build.execute(
                f'CREATE TABLE snap."{schema}"."{table}" AS SELECT {columns} FROM "{schema}"."{table}"'
            )
            count = build.execute(f'SELECT count(*) FROM snap."{schema}"."{table}"').fetchone()
            copied[f"{schema}.{table}"] = int(count[0]) if count else 0
        _copy_views(build, views)
        build.execute("CHECKPOINT snap")
    finally:
        build.execute("DETACH snap")
    os.replace(tmp, serve_path)
    published_views = [f"{schema}.{view}" for schema, view in views]
    return SnapshotInfo(serve_path, copied, serve_path.stat().st_size, published_views)


def _copy_views(build: duckdb.DuckDBPyConnection, views: list[tuple[str, str]]) -> None:
    """Re-create each view in ``snap`` from its own SQL; DuckDB binds a view in its own catalog, so the
    copy reads the snapshot's tables. Views over views: passes until none is left or none succeeds."""
    pending: dict[tuple[str, str], str] = {}
    for schema, view in views:
        row = build.execute(
            "SELECT sql FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = ? AND view_name = ?",
            [schema, view],
        ).fetchone()
        sql = row[0] if row else None
        prefix = "CREATE VIEW "
        if not isinstance(sql, str) or not sql.startswith(prefix):
            raise SnapshotError(f"视图 {schema}.{view} 的定义无法读取 / cannot read the definition of view")
        pending[(schema, view)] = "CREATE VIEW snap." + sql[len(prefix) :]
    while pending:
        errors: dict[tuple[str, str], str] = {}
        for key, sql in pending.items():
            try:
                build.execute(sql)
            except duckdb.CatalogException as e:
                errors[key] = str(e).splitlines()[0]
        if len(errors) == len(pending):
            (schema, view), reason = next(iter(errors.items()))
            raise SnapshotError(
                f"视图 {schema}.{view} 读取了未发布的数据 / "
                f"view {schema}.{view} reads unpublished data: {reason}"
            )
        pending = {key: pending[key] for key in errors}
