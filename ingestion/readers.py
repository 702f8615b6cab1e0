"""Read one contract table file (CSV / XLSX / Parquet) into strings plus clerk-visible line numbers.

No typing happens here (see ``ingestion.validate``): every cell comes back as text or null, so the
same table gives the same raw values whatever format it came in.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingestion.column_aliases import contract_names
from ingestion.contract import CONTRACT

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
# Parts of the contract folder that are not tables and are not "ignored" either.
CONTRACT_EXTRAS = ("manifest.json", "files")
_BOM = b"\xef\xbb\xbf"


class TableReadError(Exception):
    """A file that cannot be read as a contract table; the message names the file in 中文 and English."""

    def __init__(self, path: Path | str, zh: str, en: str) -> None:
        self.path = str(path)
        self.zh = zh
        self.en = en
        super().__init__(f"无法读取文件 {path}：{zh} / cannot read file {path}: {en}")


@dataclass
class MalformedRow:
    """A row the parser could not align with the header (kept for the rejects, never dropped)."""

    line_no: int
    zh: str
    en: str
    raw_text: str


@dataclass
class RawTable:
    table: str
    path: Path
    source: str  # how the file is named to an operator (path, or "export.zip/cases.csv")
    file_format: str  # csv | xlsx | parquet
    encoding: str | None  # detected text encoding (CSV only)
    header: list[str]  # column names as they appear in the file, in order
    data: pd.DataFrame  # contract columns present in the file; str cells, NaN for empty
    line_no: np.ndarray  # int64, 1-based line/row of each data row as the clerk sees it
    extra: pd.DataFrame  # columns not in the contract, same rows as ``data``
    malformed: list[MalformedRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.data)


# --- CSV --------------------------------------------------------------------------------------------
def _decode(path: Path, raw: bytes) -> tuple[str, bytes]:
    """Return (encoding name, body as UTF-8 bytes without BOM)."""
    if raw.startswith(_BOM):
        body = raw[len(_BOM) :]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TableReadError(path, "带BOM但不是有效的UTF-8", "UTF-8 BOM but invalid UTF-8") from exc
        return "utf-8-sig", body
    try:
        raw.decode("utf-8")
        return "utf-8", raw
    except UnicodeDecodeError:
        pass
    try:  # GB18030 is a superset of GBK and GB2312
        return "gb18030", raw.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw[: 1 << 20]).best()
    if best is not None:
        try:
            return best.encoding, raw.decode(best.encoding).encode("utf-8")
        except (UnicodeDecodeError, LookupError):
            pass
    raise TableReadError(path, "无法识别文本编码", "unrecognised text encoding")


@dataclass
class _Records:
    """Non-empty CSV records found by a byte scan: offsets, starting line, unquoted field count."""

    starts: np.ndarray
    stops: np.ndarray
    lines: np.ndarray
    fields: np.ndarray
    quoted_newlines: bool


def _scan_records(buf: np.ndarray) -> _Records:
    """A newline or comma is structural unless it sits inside quotes, i.e. after an odd number of
    '"' bytes (none of these bytes occurs inside multi-byte UTF-8 characters)."""
    newlines = np.flatnonzero(buf == 0x0A)
    quotes = np.flatnonzero(buf == 0x22)
    ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0] if len(quotes) else newlines
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(buf)]))
    lengths = stops - starts
    empty = (lengths == 0) | ((lengths == 1) & (buf[np.minimum(starts, len(buf) - 1)] == 0x0D))
    starts, stops = starts[~empty], stops[~empty]
    commas = np.flatnonzero(buf == 0x2C)
    if len(quotes):
        commas = commas[(np.searchsorted(quotes, commas) & 1) == 0]
    fields = np.bincount(np.searchsorted(stops, commas), minlength=len(starts))[: len(starts)] + 1
    lines = (np.searchsorted(newlines, starts) + 1).astype(np.int64)
    return _Records(starts, stops, lines, fields, len(ends) < len(newlines))


def _fit_width(record: list[str], width: int, line: int) -> list[str] | MalformedRow:
    """Align a parsed record with the header, or explain why it cannot be."""
    if len(record) > width and not any(v.strip() for v in record[width:]):
        return record[:width]  # trailing separators only
    if len(record) == width:
        return record
    zh = f"字段数 {len(record)} 与表头 {width} 不符"
    en = f"{len(record)} fields, header has {width}"
    return MalformedRow(line, zh, en, ",".join(record))


def _read_csv(path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray, str, list[MalformedRow]]:
    raw = path.read_bytes()
    if not raw.strip(b" \t\r\n" + _BOM):
        raise TableReadError(path, "文件为空", "file is empty")
    if b"\x00" in raw:
        raise TableReadError(path, "不是文本文件（含二进制内容）", "not a text file (binary content)")
    encoding, body = _decode(path, raw)
    rec = _scan_records(np.frombuffer(body, dtype=np.uint8))
    header = next(csv.reader([body[rec.starts[0] : rec.stops[0]].decode("utf-8").rstrip("\r")]))
    width = len(header)
    # Rows of the wrong width are parsed on their own (few); pyarrow skips them in the bulk read.
    odd = np.flatnonzero(rec.fields[1:] != width) + 1
    malformed: list[MalformedRow] = []
    for i in odd:
        text = body[rec.starts[i] : rec.stops[i]].decode("utf-8").rstrip("\r")
        fitted = _fit_width(next(csv.reader([text]), []), width, int(rec.lines[i]))
        if not isinstance(fitted, MalformedRow):
            break  # a row pyarrow would reject but we can repair: take the exact path
        malformed.append(fitted)
    else:
        table = _arrow_csv(body, int(rec.stops[0]), width, rec.quoted_newlines, len(odd))
        if table is not None and table.num_rows == len(rec.starts) - 1 - len(odd):
            frame = table.to_pandas()
            frame.columns = pd.Index(header)
            keep = np.ones(len(rec.starts), dtype=bool)
            keep[0] = False
            keep[odd] = False
            return header, frame, rec.lines[keep], encoding, malformed
    # Quoting the byte scan cannot follow, or repairable rows: exact but slower path.
    header, frame, line_no, malformed = _read_csv_exact(body.decode("utf-8"))
    return header, frame, line_no, encoding, malformed


def _arrow_csv(body: bytes, header_stop: int, width: int, multiline: bool, odd_rows: int) -> pa.Table | None:
    names = [f"__col{i}" for i in range(width)]  # placeholders: real names are checked later
    skipped: list[str] = []

    def skip(row: Any) -> str:
        skipped.append(row.text)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(body)[min(header_stop + 1, len(body)) :],
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=multiline, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    return table if len(skipped) == odd_rows else None


def _read_csv_exact(text: str) -> tuple[list[str], pd.DataFrame, np.ndarray, list[MalformedRow]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[list[str]] = []
    line_no: list[int] = []
    malformed: list[MalformedRow] = []
    consumed = 0
    for record in reader:
        start, consumed = consumed + 1, reader.line_num
        if not record:
            continue
        if header is None:
            header = record
            continue
        fitted = _fit_width(record, len(header), start)
        if isinstance(fitted, MalformedRow):
            malformed.append(fitted)
            continue
        rows.append(fitted)
        line_no.append(start)
    assert header is not None  # the caller checked the file is not empty
    frame = pd.DataFrame(rows, columns=pd.Index(range(len(header))), dtype="str")
    frame = frame.mask(frame == "")
    frame.columns = pd.Index(header)
    return header, frame, np.asarray(line_no, dtype=np.int64), malformed


# --- XLSX --------------------------------------------------------------------------------------------
def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _read_xlsx(path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray, list[MalformedRow]]:
    import openpyxl  # imported lazily: the CSV path should not pay for it

    header: list[str] | None = None
    rows: list[list[str | None]] = []
    line_no: list[int] = []
    malformed: list[MalformedRow] = []
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged archives
        raise TableReadError(path, "不是有效的XLSX文件", f"not a valid XLSX file ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(c is not None for c in cells):
                continue
            if header is None:
                header = [c or "" for c in cells]
                continue
            width = len(header)
            if len(cells) > width and any(c is not None for c in cells[width:]):
                zh, en = "表头以外的列有数据", "values beyond the last header column"
                malformed.append(MalformedRow(row_number, zh, en, ",".join(c or "" for c in cells)))
                continue
            rows.append((cells + [None] * width)[:width])
            line_no.append(row_number)
    except TableReadError:
        raise
    except Exception as exc:
        raise TableReadError(path, "XLSX文件损坏", f"damaged XLSX file ({exc})") from exc
    finally:
        workbook.close()
    if header is None:
        raise TableReadError(path, "工作表为空", "first sheet is empty")
    frame = pd.DataFrame(rows, columns=pd.Index(range(len(header))), dtype="str")
    frame.columns = pd.Index(header)
    return header, frame, np.asarray(line_no, dtype=np.int64), malformed


# --- Parquet -----------------------------------------------------------------------------------------
def _arrow_text(column: pa.ChunkedArray) -> pd.Series:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    text = pc.cast(column, pa.string()).to_pandas()
    if pa.types.is_floating(column.type):  # 12.0 -> "12", as a clerk typed it
        values = column.to_numpy()
        whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**53)
        text[whole] = values[whole].astype(np.int64).astype(str)
    return text


def _read_parquet(path: Path) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise TableReadError(path, "不是有效的Parquet文件", f"not a valid Parquet file ({exc})") from exc
    try:
        frame = pd.DataFrame({i: _arrow_text(col) for i, col in enumerate(table.columns)})
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid) as exc:
        raise TableReadError(
            path, "列类型无法转为文本", f"column type cannot be read as text ({exc})"
        ) from exc
    header = list(table.column_names)
    frame.columns = pd.Index(header)
    return header, frame, np.arange(1, table.num_rows + 1, dtype=np.int64)


# --- common -----------------------------------------------------------------------------------------
def _check_header(path: Path, table: str, header: Sequence[str]) -> list[str]:
    names = contract_names(table, [h.strip().lstrip("\ufeff") for h in header])
    while names and names[-1] == "":
        names.pop()  # spreadsheets often leave empty trailing columns
    if "" in names:
        raise TableReadError(path, "表头中有空列名", "empty column name in header")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        joined = ", ".join(duplicates)
        raise TableReadError(path, f"表头列名重复: {joined}", f"duplicate header columns: {joined}")
    missing = [c for c in CONTRACT[table].required_columns if c not in names]
    if missing:
        joined = ", ".join(missing)
        raise TableReadError(
            path, f"表头缺少必填列: {joined}", f"header lacks required columns of {table}: {joined}"
        )
    return names


def read_table(path: Path, table: str | None = None, *, source: str | None = None) -> RawTable:
    """Read ``path`` as contract table ``table`` (default: the file's stem)."""
    path = Path(path)
    name = table or path.stem
    if name not in CONTRACT:
        raise TableReadError(path, f"不是约定中的表: {name}", f"not a contract table: {name}")
    suffix = path.suffix.lower()
    encoding: str | None = None
    malformed: list[MalformedRow] = []
    try:
        if suffix == ".csv":
            header, frame, line_no, encoding, malformed = _read_csv(path)
        elif suffix == ".xlsx":
            header, frame, line_no, malformed = _read_xlsx(path)
        elif suffix == ".parquet":
            header, frame, line_no = _read_parquet(path)
        else:
            raise TableReadError(path, f"不支持的文件类型 {suffix}", f"unsupported file type {suffix}")
    except OSError as exc:
        raise TableReadError(path, "无法打开文件", f"cannot open file ({exc})") from exc
    names = _check_header(path, name, header)
    frame = frame.iloc[:, : len(names)]
    frame.columns = pd.Index(names)
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():  # rows with no value at all carry no data (e.g. ",,,," at the end of a sheet)
        frame, line_no = frame.loc[~blank], line_no[~blank]
    frame = frame.reset_index(drop=True)
    known = [n for n in names if CONTRACT[name].has_column(n)]
    extra = [n for n in names if not CONTRACT[name].has_column(n)]
    return RawTable(
        table=name,
        path=path,
        source=source or str(path),
        file_format=suffix.lstrip("."),
        encoding=encoding,
        header=names,
        data=frame[known],
        line_no=line_no,
        extra=frame[extra],
        malformed=malformed,
    )


# --- folders ------------------------------------------------------------------------------------------
@dataclass
class FolderListing:
    tables: dict[str, Path]
    conflicts: dict[str, list[Path]]  # one table given by several files
    ignored: list[Path]


def scan_folder(folder: Path) -> FolderListing:
    """Classify the top-level entries of a bureau folder."""
    found: dict[str, list[Path]] = {}
    ignored: list[Path] = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name in CONTRACT_EXTRAS:
            continue
        if entry.is_file() and entry.suffix.lower() in TABLE_SUFFIXES and entry.stem in CONTRACT:
            found.setdefault(entry.stem, []).append(entry)
        else:
            ignored.append(entry)
    tables = {t: paths[0] for t, paths in found.items() if len(paths) == 1}
    conflicts = {t: paths for t, paths in found.items() if len(paths) > 1}
    return FolderListing(tables, conflicts, ignored)


def conflict_error(table: str, paths: Iterable[Path]) -> TableReadError:
    names = ", ".join(p.name for p in paths)
    return TableReadError(names, f"表 {table} 有多个文件", f"several files for table {table}")


def find_tables(folder: Path) -> dict[str, Path]:
    """Map contract table names to their files; several files for one table raise TableReadError."""
    listing = scan_folder(folder)
    for table, paths in listing.conflicts.items():
        raise conflict_error(table, paths)
    return listing.tables
