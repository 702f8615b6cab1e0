"""Reject records: one per problem, with the file, the line a clerk sees and a bilingual reason.

``Issues`` gathers the problems of a table column-wise (row positions, codes, reason texts);
``build_rejects`` turns them into ``REJECT_COLUMNS`` rows with the raw values of each line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ingestion.readers import RawTable

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
    "unknown_code": ("代码不在参考数据中", "code not in the reference data"),
    "out_of_range": ("数值超出允许范围", "value out of range"),
    "unknown_fk": ("引用的记录不存在", "unknown reference"),
    "duplicate_key": ("主键重复", "duplicate key"),
    "bad_row": ("行格式错误", "malformed row"),
    "dates_reversed": ("日期先后颠倒", "dates reversed"),
    "division_mismatch": ("许可证号前6位与所在区划不符", "licence number outside its division"),
    "required_when": ("缺少此情形下必填的字段", "value required in this case is missing"),
    "overlapping_period": ("有效期重叠", "overlapping validity periods"),
}


@dataclass
class Issues:
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
            zh + ": " + at(zh_detail, positions) + " / " + en + ": " + at(en_detail, positions)
        ).to_numpy()
        self.rows.append(positions)
        self.codes.append(np.full(len(positions), code, dtype=object))
        self.reasons.append(text.astype(object))

    def extend(self, other: Issues, where: int | np.ndarray) -> None:
        """Take over ``other``'s problems, found in a chunk starting at row ``where`` (an int) or
        in the rows listed by ``where`` (an array of row positions)."""
        if isinstance(where, np.ndarray):
            self.rows.extend(where[positions] for positions in other.rows)
        else:
            self.rows.extend(positions + where for positions in other.rows)
        self.codes.extend(other.codes)
        self.reasons.extend(other.reasons)

    def bad_rows(self, n: int) -> np.ndarray:
        bad = np.zeros(n, dtype=bool)
        for positions in self.rows:
            bad[positions] = True
        return bad


def at(detail: pd.Series | str, positions: np.ndarray) -> pd.Series:
    if isinstance(detail, str):
        return pd.Series([detail] * len(positions), dtype="str")
    return detail.iloc[positions].reset_index(drop=True).astype("str").fillna("")


def quoted(text: pd.Series, column: str) -> pd.Series:
    shown = text.fillna("").astype("str").str.slice(0, 80)
    return column + " = '" + shown + "'"


def _raw_json(raw: RawTable, positions: np.ndarray) -> list[str]:
    frame = pd.concat([raw.data.iloc[positions], raw.extra.iloc[positions]], axis=1)
    names = list(frame.columns)
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in names]
    rows = zip(*columns, strict=True)
    return [json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) for row in rows]


def build_rejects(raw: RawTable, issues: Issues) -> pd.DataFrame:
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
    rejects = pd.concat(parts, ignore_index=True) if parts else empty_rejects().iloc[:, 2:]
    rejects.insert(0, "source_file", raw.source)
    rejects.insert(0, "table_name", raw.table)
    rejects["line_no"] = rejects["line_no"].astype("int64")
    return rejects.sort_values("line_no", kind="stable").reset_index(drop=True)[REJECT_COLUMNS]


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line_no" else "str") for c in REJECT_COLUMNS})
