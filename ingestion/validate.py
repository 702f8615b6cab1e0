"""Check raw tables against the contract: typed good rows plus rejects an operator can act on.

A row breaking the contract is never dropped silently: each problem becomes one reject record with
the file, the line a clerk sees, a reason code and a bilingual reason (CONTRACT.md, "bad input").
All checks are column-wise (pandas / numpy), so they scale to millions of rows.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ingestion.archive import safe_extract
from ingestion.contract import CONTRACT, REFERENCED_KEYS, TABLE_LOAD_ORDER, Column, LogicalType, Table
from ingestion.parsing import BAD_CODE, clean_text, parse_column
from ingestion.readers import RawTable, TableReadError, conflict_error, read_table, scan_folder

REJECT_COLUMNS = ["table_name", "source_file", "line_no", "reason_code", "reason", "raw_values"]

# reason_code -> (中文, English); the column (and value) follow in each message.
REASONS: dict[str, tuple[str, str]] = {
    "missing_required": ("必填字段为空", "required value missing"),
    "bad_int": ("不是整数", "not an integer"),
    "bad_decimal": ("不是数字", "not a number"),
    "bad_bool": ("不是是/否值（是/否、true/false、1/0）", "not a yes/no value (是/否, true/false, 1/0)"),
    "bad_date": ("日期格式错误（应为 YYYY-MM-DD）", "bad date (expected YYYY-MM-DD)"),
    "bad_timestamp": ("时间格式错误（应为 ISO 8601）", "bad timestamp (expected ISO 8601)"),
    "bad_licence": ("许可证号应为12位数字", "licence number must be 12 digits"),
    "bad_ean13": (
        "EAN-13条码无效（校验位错误或非13位数字）",
        "invalid EAN-13 barcode (check digit or length)",
    ),
    "unknown_enum": ("取值不在允许范围内", "unknown value"),
    "out_of_range": ("数值超出允许范围", "value out of range"),
    "unknown_fk": ("引用的记录不存在", "unknown reference"),
    "duplicate_key": ("主键重复", "duplicate key"),
    "bad_row": ("行格式错误", "malformed row"),
}


@dataclass
class ValidationResult:
    table: str
    source_file: str
    good: pd.DataFrame  # contract columns typed as in ingestion.parsing (timestamps tz Asia/Shanghai);
    # index "source_line" = line in the file
    rejects: pd.DataFrame  # REJECT_COLUMNS, one record per problem, sorted by line
    extra_columns: pd.DataFrame  # columns outside the contract, all rows, index "source_line"

    @property
    def rejected_lines(self) -> set[int]:
        return set(self.rejects["line_no"].tolist())


@dataclass
class _Issues:
    """Problems found so far, as parallel arrays (row position, code, reason text)."""

    rows: list[np.ndarray] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    reasons: list[np.ndarray] = field(default_factory=list)

    def add(
        self, mask: np.ndarray, code: str, zh_detail: pd.Series | str, en_detail: pd.Series | str
    ) -> None:
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        zh, en = REASONS[code]
        text = (
            zh + ": " + _at(zh_detail, positions) + " / " + en + ": " + _at(en_detail, positions)
        ).to_numpy()
        self.rows.append(positions)
        self.codes.append(np.full(len(positions), code, dtype=object))
        self.reasons.append(text.astype(object))

    def bad_rows(self, n: int) -> np.ndarray:
        bad = np.zeros(n, dtype=bool)
        for positions in self.rows:
            bad[positions] = True
        return bad


def _at(detail: pd.Series | str, positions: np.ndarray) -> pd.Series:
    if isinstance(detail, str):
        return pd.Series([detail] * len(positions), dtype="str")
    return detail.iloc[positions].reset_index(drop=True).astype("str").fillna("")


def _quoted(text: pd.Series, column: str) -> pd.Series:
    shown = text.fillna("").astype("str").str.slice(0, 80)
    return column + " = '" + shown + "'"


def _check_columns(table: Table, texts: dict[str, pd.Series], issues: _Issues) -> dict[str, pd.Series]:
    typed: dict[str, pd.Series] = {}
    for column in table.columns:
        text = texts[column.name]
        if column.required:
            issues.add(text.isna().to_numpy(), "missing_required", column.name, column.name)
        parsed = parse_column(column, text)
        if parsed.bad.any():
            _add_bad_value(column, text, parsed.bad, issues)
        if parsed.out_of_range.any():
            bounds = f"[{_num(column.min_value)}, {_num(column.max_value)}]"
            detail = _quoted(text, column.name) + " " + bounds
            issues.add(parsed.out_of_range, "out_of_range", detail, detail)
        typed[column.name] = parsed.values
    return typed


def _num(value: float | None) -> str:
    return "…" if value is None else f"{value:g}"


def _add_bad_value(column: Column, text: pd.Series, bad: np.ndarray, issues: _Issues) -> None:
    detail = _quoted(text, column.name)
    if column.type == LogicalType.ENUM:
        allowed = "|".join(column.enum_values)
        zh, en = detail + f"（允许: {allowed}）", detail + f" (allowed: {allowed})"
        issues.add(bad, "unknown_enum", zh, en)
    else:
        issues.add(bad, BAD_CODE[column.type], detail, detail)


def _check_foreign_keys(
    table: Table,
    typed: dict[str, pd.Series],
    known_keys: Mapping[str, set[Any]],
    issues: _Issues,
    candidate: np.ndarray,
) -> np.ndarray:
    """Flag references to unknown parents; returns the rows still good afterwards."""
    for fk in table.foreign_keys:
        values = typed[fk.column]
        detail = _quoted(values, fk.column) + f" → {fk.key}"
        if fk.ref_table != table.name:
            if fk.key not in known_keys:
                continue  # parent neither in this import nor supplied: cannot be checked here
            bad = values.notna().to_numpy() & ~values.isin(known_keys[fk.key]).to_numpy()
            issues.add(bad, "unknown_fk", detail, detail)
            candidate = candidate & ~bad
            continue
        # Self-reference (units.parent_code, reviews.parent_review_id): the parent must be a good
        # row of this table or already known; repeat until no row loses its parent.
        outside = set(known_keys.get(fk.key, set()))
        while True:
            keys = outside | set(typed[fk.ref_column][candidate].dropna().tolist())
            bad = candidate & values.notna().to_numpy() & ~values.isin(keys).to_numpy()
            if not bad.any():
                break
            issues.add(bad, "unknown_fk", detail, detail)
            candidate = candidate & ~bad
    return candidate


def _check_duplicates(
    table: Table, typed: dict[str, pd.Series], lines: np.ndarray, candidate: np.ndarray, issues: _Issues
) -> np.ndarray:
    """Among otherwise good rows, the first occurrence of a key wins; later ones are rejected."""
    keys = pd.DataFrame({c: typed[c] for c in table.primary_key})
    keys["_line"] = lines
    keys = keys[candidate]
    dup = keys.duplicated(subset=list(table.primary_key), keep="first")
    if not dup.any():
        return candidate
    pk = list(table.primary_key)
    first = keys.groupby(pk, dropna=False, sort=False)["_line"].transform("first")
    positions = np.flatnonzero(candidate)[dup.to_numpy()]
    mask = np.zeros(len(candidate), dtype=bool)
    mask[positions] = True
    dup_keys = keys.loc[dup, pk].astype("str").fillna("NULL")
    shown = dup_keys[pk[0]]
    for column in pk[1:]:
        shown = shown + ", " + dup_keys[column]
    shown = "(" + shown + ")"
    first_line = first[dup].astype("str")
    full_zh = np.full(len(mask), "", dtype=object)
    full_en = full_zh.copy()
    full_zh[positions] = (shown + " 首次出现在第 " + first_line + " 行").to_numpy()
    full_en[positions] = (shown + " first at line " + first_line).to_numpy()
    issues.add(mask, "duplicate_key", pd.Series(full_zh), pd.Series(full_en))
    return candidate & ~mask


def _raw_json(raw: RawTable, positions: np.ndarray) -> list[str]:
    frame = pd.concat([raw.data.iloc[positions], raw.extra.iloc[positions]], axis=1)
    names = list(frame.columns)
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in names]
    rows = zip(*columns, strict=True)
    return [json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in rows]


def _build_rejects(raw: RawTable, issues: _Issues) -> pd.DataFrame:
    parts = []
    if issues.rows:
        rows = np.concatenate(issues.rows)
        unique, inverse = np.unique(rows, return_inverse=True)
        texts = np.asarray(_raw_json(raw, unique), dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "line_no": raw.line_no[rows],
                    "reason_code": np.concatenate(issues.codes),
                    "reason": np.concatenate(issues.reasons),
                    "raw_values": texts[inverse],
                }
            )
        )
    if raw.malformed:
        zh, en = REASONS["bad_row"]
        parts.append(
            pd.DataFrame(
                {
                    "line_no": [m.line_no for m in raw.malformed],
                    "reason_code": "bad_row",
                    "reason": [f"{zh}: {m.zh} / {en}: {m.en}" for m in raw.malformed],
                    "raw_values": [
                        json.dumps({"_raw": m.raw_text}, ensure_ascii=False) for m in raw.malformed
                    ],
                }
            )
        )
    rejects = pd.concat(parts, ignore_index=True) if parts else _empty_rejects().iloc[:, 2:]
    rejects.insert(0, "source_file", raw.source)
    rejects.insert(0, "table_name", raw.table)
    rejects["line_no"] = rejects["line_no"].astype("int64")
    return rejects.sort_values("line_no", kind="stable").reset_index(drop=True)[REJECT_COLUMNS]


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line_no" else "str") for c in REJECT_COLUMNS})


def validate_table(
    name: str, raw: RawTable, *, known_keys: Mapping[str, set[Any]] | None = None
) -> ValidationResult:
    """Split ``raw`` into typed good rows and rejects.

    ``known_keys`` maps ``"table.column"`` (e.g. ``"cases.case_id"``) to the parent keys already
    known; a foreign key whose parent is absent from the mapping is not checked.
    """
    table = CONTRACT[name]
    n = len(raw.data)
    null = pd.Series(np.nan, index=range(n), dtype="str")
    texts = {
        c: clean_text(raw.data[c].reset_index(drop=True)) if c in raw.data.columns else null
        for c in table.column_names
    }
    issues = _Issues()
    typed = _check_columns(table, texts, issues)
    candidate = ~issues.bad_rows(n)
    candidate = _check_foreign_keys(table, typed, known_keys or {}, issues, candidate)
    candidate = _check_duplicates(table, typed, raw.line_no, candidate, issues)

    good = pd.DataFrame(typed)
    good.index = pd.Index(raw.line_no, name="source_line")
    extra = raw.extra.copy()
    extra.index = pd.Index(raw.line_no, name="source_line")
    return ValidationResult(
        table=name,
        source_file=raw.source,
        good=good[candidate],
        rejects=_build_rejects(raw, issues),
        extra_columns=extra,
    )


# --- folders --------------------------------------------------------------------------------------
@dataclass
class FileError:
    file: str
    table: str | None
    message: str


@dataclass
class FolderValidation:
    source: Path
    tables: dict[str, ValidationResult]
    file_errors: list[FileError]
    ignored_files: list[str]
    manifest: dict[str, Any] | None

    def all_rejects(self) -> pd.DataFrame:
        frames = [r.rejects for r in self.tables.values() if len(r.rejects)]
        return pd.concat(frames, ignore_index=True) if frames else _empty_rejects()


def validate_folder(
    path: Path,
    *,
    known_keys: Mapping[str, set[Any]] | None = None,
    max_unzipped_bytes: int | None = None,
    tables: Collection[str] | None = None,
) -> FolderValidation:
    """Validate every contract table of a folder (or .zip) in ``TABLE_LOAD_ORDER``.

    Good keys of each table feed its children's foreign-key checks, together with ``known_keys``
    (e.g. keys already in the warehouse). A parent file that is present but unreadable counts as
    empty, so its children's references are rejected rather than loaded unchecked. Unreadable
    files become ``file_errors``; the other tables still validate. ``tables`` restricts the work
    to those tables (their parents outside the subset must then come through ``known_keys``).
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        if max_unzipped_bytes is None:
            from zhifa.settings import get_settings

            max_unzipped_bytes = get_settings().max_import_unzipped_bytes
        with tempfile.TemporaryDirectory(prefix="zhifa-import-") as tmp:
            root = safe_extract(path, Path(tmp), max_unzipped_bytes)
            result = _validate_dir(root, path.name, known_keys, tables)
        result.source = path
        return result
    return _validate_dir(path, None, known_keys, tables)


def _validate_dir(
    root: Path,
    label: str | None,
    known_keys: Mapping[str, set[Any]] | None,
    tables: Collection[str] | None = None,
) -> FolderValidation:
    def shown(p: Path) -> str:
        return f"{label}/{p.relative_to(root).as_posix()}" if label else str(p)

    listing = scan_folder(root)
    errors: list[FileError] = []
    manifest = _read_manifest(root / "manifest.json", shown, errors)
    keys: dict[str, set[Any]] = {k: set(v) for k, v in (known_keys or {}).items()}
    results: dict[str, ValidationResult] = {}
    for name in TABLE_LOAD_ORDER:
        if tables is not None and name not in tables:
            continue
        own_keys = [k for k in REFERENCED_KEYS if k.startswith(name + ".")]
        if name in listing.conflicts:
            exc = conflict_error(name, listing.conflicts[name])
            errors.append(FileError(", ".join(shown(p) for p in listing.conflicts[name]), name, str(exc)))
        elif name in listing.tables:
            file = listing.tables[name]
            try:
                raw = read_table(file, name, source=shown(file))
            except TableReadError as exc:
                errors.append(FileError(shown(file), name, str(exc)))
            else:
                results[name] = validate_table(name, raw, known_keys=keys)
        else:
            continue
        for key in own_keys:  # present: its good keys (none if unreadable) are the parents
            column = key.split(".", 1)[1]
            found = set(results[name].good[column].dropna().tolist()) if name in results else set()
            keys[key] = set((known_keys or {}).get(key, set())) | found
    return FolderValidation(
        source=root,
        tables=results,
        file_errors=errors,
        ignored_files=[shown(p) for p in listing.ignored],
        manifest=manifest,
    )


def _read_manifest(path: Path, shown: Any, errors: list[FileError]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = str(TableReadError(shown(path), "不是有效的JSON", f"invalid JSON ({exc})"))
        errors.append(FileError(shown(path), None, msg))
        return None
    return data if isinstance(data, dict) else None
