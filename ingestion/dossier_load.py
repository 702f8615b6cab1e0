"""Recognise the dossier files of loaded documents into ``raw.document_fields`` (pure: no Dagster).

A document is recognised once per (document_id, sha256): re-running skips it, a newer export with a
different file replaces its fields. Files are read from the landing the document row came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from zhifa import clock

DDL = (
    """CREATE TABLE IF NOT EXISTS raw.document_fields (
        document_id VARCHAR, case_id VARCHAR, file_path VARCHAR, doc_type_detected VARCHAR,
        doc_type_confidence DOUBLE, text_source VARCHAR, field VARCHAR, value VARCHAR,
        confidence DOUBLE, _load_id VARCHAR, _loaded_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS ops.recognised_documents (
        document_id VARCHAR, sha256 VARCHAR, load_id VARCHAR, fields BIGINT, errors BIGINT,
        recognised_at TIMESTAMPTZ)""",
    """CREATE TABLE IF NOT EXISTS ops.recognition_errors (
        document_id VARCHAR, case_id VARCHAR, file_path VARCHAR, error VARCHAR, load_id VARCHAR,
        recorded_at TIMESTAMPTZ)""",
)


@dataclass
class RecognitionSummary:
    documents: int = 0
    fields: int = 0
    errors: int = 0
    by_source: dict[str, int] = field(default_factory=dict)  # documents per text source


def ensure_recognition_schema(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL:
        con.execute(ddl)


def pending_documents(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """Documents with a file that have not been recognised in their current version."""
    return con.execute(
        f"""SELECT d.document_id, d.case_id, d.file_path, d.sha256, d._load_id AS load_id
        FROM raw.documents d
        WHERE d.file_path IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM ops.recognised_documents r
            WHERE r.document_id = d.document_id AND r.sha256 IS NOT DISTINCT FROM d.sha256)
        ORDER BY d._load_id, d.document_id {"LIMIT " + str(int(limit)) if limit else ""}"""
    ).df()


def recognise_pending(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    *,
    limit: int | None = None,
    batch_size: int = 50,
    log: Callable[[str], None] | None = None,
) -> RecognitionSummary:
    """Recognise up to ``limit`` pending documents, committing every ``batch_size`` documents."""
    from ingestion.recognition import recognise_folder

    ensure_recognition_schema(con)
    todo = pending_documents(con, limit)
    summary = RecognitionSummary()
    for load_id, group in todo.groupby("load_id", sort=True):
        folder = landing_dir / str(load_id)
        for start in range(0, len(group), batch_size):
            batch = group.iloc[start : start + batch_size]
            result = recognise_folder(folder, batch[["document_id", "case_id", "file_path"]])
            _store(con, batch, result.fields, result.errors, str(load_id))
            summary.documents += len(batch)
            summary.fields += len(result.fields)
            summary.errors += len(result.errors)
            sources = result.fields.drop_duplicates("document_id")["text_source"].value_counts()
            for source, n in sources.items():
                summary.by_source[str(source)] = summary.by_source.get(str(source), 0) + int(n)
            if log:
                log(f"recognised {summary.documents} of {len(todo)} documents")
    return summary


def _store(
    con: duckdb.DuckDBPyConnection,
    batch: pd.DataFrame,
    fields: pd.DataFrame,
    errors: pd.DataFrame,
    load_id: str,
) -> None:
    now = clock.now()
    counts = fields.groupby("document_id").size()
    error_counts = errors.groupby("document_id").size()
    done = batch[["document_id", "sha256"]].assign(
        load_id=load_id,
        fields=batch["document_id"].map(counts).fillna(0).astype("int64"),
        errors=batch["document_id"].map(error_counts).fillna(0).astype("int64"),
        recognised_at=now,
    )
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_batch", done)
        con.register("_fields", fields)
        con.register("_errors", errors)
        con.execute("DELETE FROM raw.document_fields WHERE document_id IN (SELECT document_id FROM _batch)")
        con.execute(
            "DELETE FROM ops.recognised_documents WHERE document_id IN (SELECT document_id FROM _batch)"
        )
        con.execute(
            "DELETE FROM ops.recognition_errors WHERE document_id IN (SELECT document_id FROM _batch)"
        )
        con.execute("INSERT INTO raw.document_fields SELECT *, ?, ? FROM _fields", [load_id, now])
        con.execute("INSERT INTO ops.recognised_documents SELECT * FROM _batch")
        con.execute("INSERT INTO ops.recognition_errors SELECT *, ?, ? FROM _errors", [load_id, now])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_batch", "_fields", "_errors"):
            con.unregister(name)
