"""Vectorised text -> typed conversion for one contract column.

Output dtypes: text and enum ``str``; int ``Int64``; decimal ``float64``; bool ``boolean``;
date ``date32[pyarrow]``; timestamp ``datetime64[us, Asia/Shanghai]`` (values without an offset
are read as Shanghai local time, values with one are converted to it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingestion.contract import Column, LogicalType
from zhifa.clock import LOCAL_TIMEZONE

DATE_DTYPE = pd.ArrowDtype(pa.date32())
TIMESTAMP_DTYPE = pd.DatetimeTZDtype("us", LOCAL_TIMEZONE)

BOOL_WORDS = {
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "是": True,
    "否": False,
    "yes": True,
    "no": False,
}
_INT_RE = r"[+-]?\d+(?:\.0*)?"
_OFFSET_RE = r".*\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)"
_EAN_WEIGHTS = np.array([1, 3] * 6, dtype=np.int64)

BAD_CODE = {
    LogicalType.INT: "bad_int",
    LogicalType.DECIMAL: "bad_decimal",
    LogicalType.BOOL: "bad_bool",
    LogicalType.DATE: "bad_date",
    LogicalType.TIMESTAMP: "bad_timestamp",
    LogicalType.ENUM: "unknown_enum",
    LogicalType.EAN13: "bad_ean13",
    LogicalType.LICENCE12: "bad_licence",
}


@dataclass
class Parsed:
    values: pd.Series  # typed; NA where empty or invalid
    bad: np.ndarray  # present but invalid for the column's type
    out_of_range: np.ndarray  # parsed but outside [min_value, max_value]


def clean_text(text: pd.Series) -> pd.Series:
    """Trim blanks; an empty or blank cell is null."""
    stripped = text.astype("str").str.strip()
    return stripped.mask(stripped == "")


def ean13_valid_mask(text: pd.Series) -> np.ndarray:
    """Element-wise EAN-13 validity (13 digits, correct check digit) without a Python loop."""
    shaped = text.str.fullmatch(r"\d{13}").fillna(False).to_numpy(dtype=bool)
    result = np.zeros(len(text), dtype=bool)
    if shaped.any():
        joined = "".join(text[shaped].tolist()).encode("ascii")
        digits = (np.frombuffer(joined, dtype=np.uint8) - 48).reshape(-1, 13).astype(np.int64)
        check = (10 - (digits[:, :12] @ _EAN_WEIGHTS) % 10) % 10
        result[shaped] = check == digits[:, 12]
    return result


def _numbers(text: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def _timestamps(text: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype=TIMESTAMP_DTYPE)
    with_offset = text.str.fullmatch(_OFFSET_RE).fillna(False).to_numpy(dtype=bool)
    local = text.notna().to_numpy() & ~with_offset
    if local.any():
        naive = pd.to_datetime(text[local], format="ISO8601", errors="coerce")
        if naive.dt.tz is None:  # a lone offset the regex missed would make this tz-aware
            out[local] = naive.dt.tz_localize(LOCAL_TIMEZONE, ambiguous="NaT", nonexistent="NaT")
    if with_offset.any():
        aware = pd.to_datetime(text[with_offset], format="ISO8601", errors="coerce", utc=True)
        out[with_offset] = aware.dt.tz_convert(LOCAL_TIMEZONE)
    return out.astype(TIMESTAMP_DTYPE)


def _dates(text: pd.Series) -> pd.Series:
    strict = text.where(text.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool))
    parsed = pd.to_datetime(strict, format="%Y-%m-%d", errors="coerce")
    return pd.Series(pa.array(parsed).cast(pa.date32()), index=text.index, dtype=DATE_DTYPE)


def parse_column(column: Column, text: pd.Series) -> Parsed:
    """Convert cleaned text (see ``clean_text``) to the column's logical type."""
    present = text.notna().to_numpy()
    kind = column.type
    values: pd.Series
    if kind == LogicalType.INT:
        shaped = text.str.fullmatch(_INT_RE).fillna(False).astype(bool)
        values = _numbers(text.where(shaped)).round().astype("Int64")
    elif kind == LogicalType.DECIMAL:
        values = _numbers(text)
    elif kind == LogicalType.BOOL:
        values = text.str.lower().map(BOOL_WORDS).astype("boolean")
    elif kind == LogicalType.DATE:
        values = _dates(text)
    elif kind == LogicalType.TIMESTAMP:
        values = _timestamps(text)
    elif kind == LogicalType.ENUM:
        lowered = text.str.lower()
        values = lowered.where(lowered.isin(column.enum_values))
    elif kind == LogicalType.EAN13:
        values = text.where(ean13_valid_mask(text))
    elif kind == LogicalType.LICENCE12:
        values = text.where(text.str.fullmatch(r"\d{12}").fillna(False).astype(bool))
    else:
        values = text
    bad = present & values.isna().to_numpy()
    out_of_range = np.zeros(len(text), dtype=bool)
    if column.min_value is not None or column.max_value is not None:
        numeric = values.astype("float64").to_numpy()
        lo = -np.inf if column.min_value is None else column.min_value
        hi = np.inf if column.max_value is None else column.max_value
        out_of_range = ~bad & present & ((numeric < lo) | (numeric > hi))
        values = values.where(~out_of_range)
    return Parsed(values, bad, out_of_range)
