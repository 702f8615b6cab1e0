"""Write contract tables as CSV (UTF-8, UTF-8 with BOM, GB18030), XLSX or Parquet, byte-reproducibly."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from ingestion.contract import CONTRACT
from zhifa.generator.badrows import BAD_COLUMN

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
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as contract text: '' for null, true/false, integers without '.0', ISO dates."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if s.dtype == bool:
            out[col] = s.map({True: "true", False: "false"})
            continue
        if s.dtype == object:
            kinds = {type(v) for v in s.dropna().head(50)}
            if kinds <= {bool}:
                out[col] = s.map(lambda v: "" if v is None or v != v else ("true" if v else "false"))
                continue
        if pd.api.types.is_float_dtype(s) and s.dropna().mod(1).eq(0).all():
            s = s.astype("Int64")
        out[col] = s.astype("string").fillna("")
    return out


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip (XLSX/DOCX) with fixed entry times so equal content gives equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2020-01-01T00:00:00Z", data
                )
            dst.writestr(entry, data)
    return buf.getvalue()


def write_table(name: str, frame: pd.DataFrame, folder: Path, fmt: str) -> tuple[Path, list[int]]:
    """Write one table; return its path and the file line (or sheet row) of every row, in order."""
    columns = [c for c in CONTRACT[name].column_names if c in frame.columns]
    text = _text(frame[columns])
    n = len(text)
    if fmt == "xlsx" and n > XLSX_MAX_ROWS:
        fmt = "csv-gb18030"
    if fmt.startswith("csv"):
        path = folder / f"{name}.csv"
        encoding = {"csv": "utf-8", "csv-utf8-sig": "utf-8-sig", "csv-gb18030": "gb18030"}[fmt]
        path.write_bytes(text.to_csv(index=False, lineterminator="\n").encode(encoding))
        return path, list(range(2, n + 2))
    if fmt == "parquet":
        path = folder / f"{name}.parquet"
        table = pa.Table.from_pandas(text.replace("", None), preserve_index=False)
        pq.write_table(table, path, compression="zstd")
        return path, list(range(1, n + 1))
    path = folder / f"{name}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name)
    ws.append(columns)
    for row in text.itertuples(index=False):
        ws.append([v if v != "" else None for v in row])
    wb.properties.creator = "zhifa generate"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue()))
    return path, list(range(2, n + 2))


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, mixed: bool) -> list[dict[str, object]]:
    """Write every table; return the planted bad rows with their file and line."""
    bad_rows: list[dict[str, object]] = []
    for name, frame in tables.items():
        fmt = MIXED_FORMATS.get(name, "csv") if mixed else "csv"
        marks = frame[BAD_COLUMN] if BAD_COLUMN in frame.columns else pd.Series([None] * len(frame))
        path, lines = write_table(name, frame.drop(columns=[BAD_COLUMN], errors="ignore"), folder, fmt)
        for pos in [i for i, m in enumerate(marks) if m is not None and m == m]:
            bad_rows.append(
                dict(table=name, source_file=path.name, line_no=lines[pos], reason_code=marks.iloc[pos])
            )
    return bad_rows
