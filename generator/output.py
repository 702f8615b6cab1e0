"""Write contract tables as CSV (UTF-8, UTF-8 with BOM, GB18030), XLSX or Parquet, byte-reproducibly."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl import Workbook

from generator.badrows import BAD_COLUMN
from ingestion.contract import CONTRACT, LogicalType
from zhifa.reproducible import normalise_zip

XLSX_MAX_ROWS = 60_000  # above this a bureau's spreadsheet export would not be XLSX
# table → format in --mixed mode (large tables fall back from xlsx to csv-gb18030)
MIXED_FORMATS = {
    "units": "xlsx",
    "officers": "csv-gb18030",
    "products": "xlsx",
    "prices": "parquet",
    "cases": "csv-gb18030",
    "case_items": "parquet",
    "case_officers": "csv-utf8-sig",
    "approvals": "xlsx",
    "documents": "parquet",
    "videos": "csv-gb18030",
    "reviews": "xlsx",
    "review_items": "csv-utf8-sig",
}


TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
CSV_CHUNK_ROWS = 250_000  # rows turned into text at a time: bounds memory on national-size tables
NEEDS_QUOTES = r'[,"\r\n]'
_QUOTE, _COMMA, _NEWLINE, _EMPTY = (pa.scalar(t, pa.large_string()) for t in ('"', ",", "\n", ""))


def _kind(s: pd.Series) -> str:
    """How a column becomes contract text, decided once over the whole column."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return "timestamp"
    if s.dtype == bool or isinstance(s.dtype, pd.BooleanDtype):
        return "bool"
    if s.dtype == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        return {"boolean": "bool", "string": "plain", "empty": "plain"}.get(inferred, "object")
    if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
        return "integral"
    return "plain"


def _cell(v: object, time_format: str) -> str | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if isinstance(v, datetime):
        return v.strftime(time_format)
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _text(s: pd.Series, kind: str, time_format: str) -> pa.Array:
    """Contract text of one column (null where the value is missing): true/false, integers without '.0',
    ISO dates, timestamps to the second."""
    if kind == "timestamp":  # numpy's ISO formatting is far faster than strftime per value
        unit = "D" if time_format == DATE_FORMAT else "s"
        values: np.ndarray = s.to_numpy(dtype=f"datetime64[{unit}]")
        text = np.datetime_as_string(values, unit="D" if unit == "D" else "s")
        return pa.array(text, pa.large_string(), mask=s.isna().to_numpy())
    if kind == "bool":
        return pa.array(
            [None if v is None or v != v else ("true" if v else "false") for v in s], pa.large_string()
        )
    if kind == "object":
        return pa.array([_cell(v, time_format) for v in s], pa.large_string())
    if kind == "integral":
        s = s.astype("Int64")
    if kind == "plain" and hasattr(s.array, "__arrow_array__"):  # Arrow-backed text: no Python strings
        return pc.cast(pa.array(s.array), pa.large_string())
    if kind == "plain" and s.dtype == object:
        return pa.array(s.to_numpy(), pa.large_string(), from_pandas=True)
    return pc.cast(pa.array(s.astype("string")), pa.large_string())


def _may_need_quotes(arr: pa.Array) -> bool:
    """Whether any cell holds a comma, quote or line break: one scan of the raw bytes, not a regex a cell."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for chunk in chunks:
        data = chunk.buffers()[2]
        raw = b"" if data is None else data.to_pybytes()
        if any(ch in raw for ch in (b",", b'"', b"\n", b"\r")):
            return True
    return False


def _csv_lines(columns: list[pa.Array]) -> bytes:
    """CSV rows with minimal quoting (as Python's csv module does), each ending in '\n'."""
    cells = []
    for arr in columns:
        arr = pc.fill_null(arr, "")
        if _may_need_quotes(arr):
            quoted = pc.binary_join_element_wise(_QUOTE, pc.replace_substring(arr, '"', '""'), _QUOTE, _EMPTY)
            arr = pc.if_else(pc.match_substring_regex(arr, NEEDS_QUOTES), quoted, arr)
        cells.append(arr)
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, _COMMA), _NEWLINE, _EMPTY)
    lines = pc.cast(lines, pa.large_string())
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = lines.buffers()[1]
    assert offsets is not None
    first, last = np.frombuffer(offsets, dtype=np.int64)[[lines.offset, lines.offset + len(lines)]]
    data = lines.buffers()[2]
    return b"" if data is None else data.to_pybytes()[first:last]


def write_table(name: str, frame: pd.DataFrame, folder: Path, fmt: str) -> tuple[Path, int]:
    """Write one table; return its path and the file line (or sheet row) of its first data row."""
    columns = [c for c in CONTRACT[name].column_names if c in frame.columns]
    kinds = {c: _kind(frame[c]) for c in columns}
    contract = CONTRACT[name]
    formats = {
        c: DATE_FORMAT if contract.column(c).type == LogicalType.DATE else TIMESTAMP_FORMAT for c in columns
    }
    n = len(frame)
    if fmt == "xlsx" and n > XLSX_MAX_ROWS:
        fmt = "csv-gb18030"
    if fmt.startswith("csv"):
        path = folder / f"{name}.csv"
        encoding = {"csv": "utf-8", "csv-utf8-sig": "utf-8-sig", "csv-gb18030": "gb18030"}[fmt]
        with path.open("wb") as out:
            out.write((",".join(columns) + "\n").encode(encoding))
            for start in range(0, n, CSV_CHUNK_ROWS):
                part = frame.iloc[start : start + CSV_CHUNK_ROWS]
                data = _csv_lines([_text(part[c], kinds[c], formats[c]) for c in columns])
                out.write(data if encoding.startswith("utf-8") else data.decode("utf-8").encode(encoding))
        return path, 2
    texts = {c: _text(frame[c], kinds[c], formats[c]) for c in columns}
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        table = pa.table(
            {c: pc.cast(pc.if_else(pc.equal(a, ""), None, a), pa.string()) for c, a in texts.items()}
        )
        pq.write_table(table, path, compression="zstd")
        return path, 1
    path = folder / f"{name}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name)
    ws.append(columns)
    values = [texts[c].to_pylist() for c in columns]
    for row in zip(*values, strict=True):
        ws.append([v if v != "" else None for v in row])
    wb.properties.creator = "zhifa generate"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(normalise_zip(buf.getvalue(), pin_core_times=True))
    return path, 2


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, mixed: bool) -> list[dict[str, object]]:
    """Write every table; return the planted bad rows with their file and line."""
    bad_rows: list[dict[str, object]] = []
    for name, frame in tables.items():
        fmt = MIXED_FORMATS.get(name, "csv") if mixed else "csv"
        marks = frame[BAD_COLUMN] if BAD_COLUMN in frame.columns else pd.Series([None] * len(frame))
        path, first_line = write_table(name, frame.drop(columns=[BAD_COLUMN], errors="ignore"), folder, fmt)
        for pos in np.flatnonzero(marks.notna().to_numpy()).tolist():
            bad_rows.append(
                dict(table=name, source_file=path.name, line_no=first_line + pos, reason_code=marks.iloc[pos])
            )
    return bad_rows
