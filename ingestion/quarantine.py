"""Hand quarantined rows to a clerk: one row per bad line, every reason, the values as they came.

XLSX: one sheet per table with the contract columns spread out, so a fixed sheet saved as
``<table>.xlsx`` (the reason columns are ignored as extra columns) can be imported again.
CSV: one file; with a single table the values are spread out too, otherwise kept as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.contract import CONTRACT, TABLE_LOAD_ORDER

# Reason columns lead, in the clerk's language first; their names are not contract columns.
HEAD = [
    "问题/reason",
    "原因代码/reason_code",
    "表/table_name",
    "文件/source_file",
    "行号/line_no",
    "导入批次/load_id",
]


def quarantined_lines(
    con: duckdb.DuckDBPyConnection, table: str | None = None, load_id: str | None = None
) -> pd.DataFrame:
    """One row per quarantined (table, file, line): reasons joined, raw values as JSON text."""
    where, params = [], []
    if table:
        where.append("table_name = ?")
        params.append(table)
    if load_id:
        where.append("load_id = ?")
        params.append(load_id)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return con.execute(
        f"""SELECT table_name, source_file, line_no, min(load_id) AS load_id,
               string_agg(DISTINCT reason_code, ';' ORDER BY reason_code) AS reason_code,
               string_agg(DISTINCT reason, '；' ORDER BY reason) AS reason,
               any_value(raw_values)::VARCHAR AS raw_values
        FROM ops.quarantine {clause}
        GROUP BY table_name, source_file, line_no
        ORDER BY table_name, source_file, line_no""",
        params,
    ).df()


def _spread(lines: pd.DataFrame, table: str) -> pd.DataFrame:
    values = pd.DataFrame([json.loads(v) for v in lines["raw_values"]], index=lines.index)
    known = [c for c in CONTRACT[table].column_names if c in values.columns]
    others = [c for c in values.columns if c not in known]
    head = lines[["reason", "reason_code", "table_name", "source_file", "line_no", "load_id"]]
    head.columns = pd.Index(HEAD)
    return pd.concat([head, values[known + others]], axis=1)


def export_quarantine(
    con: duckdb.DuckDBPyConnection, out: Path, table: str | None = None, load_id: str | None = None
) -> int:
    """Write the quarantine to ``out`` (.csv or .xlsx); returns the number of lines written."""
    lines = quarantined_lines(con, table, load_id)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"export to .csv or .xlsx, not {suffix or 'no suffix'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tables = [t for t in TABLE_LOAD_ORDER if t in set(lines["table_name"])]
    if suffix == ".xlsx":
        with pd.ExcelWriter(out, engine="openpyxl") as book:
            for name in tables or ["quarantine"]:
                part = lines[lines["table_name"] == name] if tables else lines
                frame = _spread(part, name) if tables else pd.DataFrame(columns=HEAD)
                frame.to_excel(book, sheet_name=name, index=False)
    else:
        if len(tables) == 1:
            frame = _spread(lines, tables[0])
        else:
            frame = lines[
                ["reason", "reason_code", "table_name", "source_file", "line_no", "load_id", "raw_values"]
            ]
            frame.columns = pd.Index([*HEAD, "原始值/raw_values"])
        frame.to_csv(out, index=False, encoding="utf-8-sig")  # BOM: Excel then reads the Chinese right
    return len(lines)
