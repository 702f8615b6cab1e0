"""A table's row rules (ingestion.contract_spec): checks across columns of a row, or across rows.

``check_row_rules`` runs on each chunk's typed columns next to the type checks; ``drop_overlaps`` runs on the
whole table once the duplicates are out (a period can only overlap one of another line). Column-wise, like
the rest of the validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingestion.contract_spec import NoOverlap, Ordered, RequiredWhen, SamePrefix, Table
from ingestion.parsing import clean_text, parse_column
from ingestion.readers import RawTable
from ingestion.rejects import Issues, quoted
from zhifa.clock import LOCAL


def _day(values: pd.Series) -> pd.Series:
    """Timestamps compared by their Shanghai day: the legal clocks count days, and a register (or the API)
    may keep only the day of a step (an acceptance on 7 Dec is not before a receipt at 12:56 that day)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(LOCAL).dt.tz_localize(None).dt.normalize()
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize()
    return values


def _mask(values: pd.Series) -> np.ndarray:
    return values.fillna(False).to_numpy(dtype=bool)


def check_row_rules(table: Table, typed: dict[str, pd.Series], issues: Issues) -> None:
    """Reasons are formatted only when some row breaks a rule (formatting a whole column costs seconds)."""
    for rule in table.rules:
        if isinstance(rule, Ordered):
            earlier, later = typed[rule.earlier], typed[rule.later]
            bad = _mask(_day(later) < _day(earlier))
            if bad.any():
                detail = (
                    quoted(earlier.astype(str), rule.earlier) + ", " + quoted(later.astype(str), rule.later)
                )
                issues.add(bad, "dates_reversed", detail, detail)
        elif isinstance(rule, SamePrefix):
            column, other = typed[rule.column], typed[rule.other]
            bad = _mask(column.notna() & other.notna() & (column.str.slice(0, rule.length) != other))
            if bad.any():
                detail = quoted(column, rule.column) + ", " + quoted(other, rule.other)
                issues.add(bad, "division_mismatch", detail, detail)
        elif isinstance(rule, RequiredWhen):
            bad = _mask(typed[rule.when].isin(rule.values) & typed[rule.column].isna())
            if bad.any():
                shown = quoted(typed[rule.when], rule.when)
                zh, en = rule.column + "（" + shown + "）", rule.column + " (" + shown + ")"
                issues.add(bad, "required_when", zh, en)


def _typed(table: Table, raw: RawTable, rows: np.ndarray, names: tuple[str, ...]) -> dict[str, pd.Series]:
    out = {}
    for name in names:
        if name in raw.data.columns:
            text = clean_text(raw.data[name].iloc[rows].reset_index(drop=True))
        else:
            text = pd.Series(np.nan, index=range(len(rows)), dtype="str")
        out[name] = parse_column(table.column(name), text).values
    return out


def drop_overlaps(table: Table, raw: RawTable, candidate: np.ndarray, issues: Issues) -> np.ndarray:
    """Quarantine every period that starts on or before the end of an earlier-starting period of the same
    key (of two overlapping periods the later-starting one goes; on the same start day the later line)."""
    result = candidate
    for rule in (r for r in table.rules if isinstance(r, NoOverlap)):
        rows = np.flatnonzero(result)
        if not len(rows):
            continue
        typed = _typed(table, raw, rows, (rule.key, rule.start, rule.end))
        frame = pd.DataFrame(
            {
                "key": typed[rule.key].astype(object),
                "start": typed[rule.start].astype("datetime64[s]"),
                "end": typed[rule.end].astype("datetime64[s]").fillna(pd.Timestamp.max.floor("s")),
                "row": rows,
            }
        ).sort_values(["key", "start", "row"], kind="stable")
        reach = frame.groupby("key", sort=False)["end"].cummax()
        previous = reach.groupby(frame["key"], sort=False).shift(1)
        overlapping = (frame["start"] <= previous).fillna(False).to_numpy(dtype=bool)
        if not overlapping.any():
            continue
        bad_rows = frame["row"].to_numpy()[overlapping]
        mask = np.zeros(len(candidate), dtype=bool)
        mask[bad_rows] = True
        zh = np.full(len(candidate), "", dtype=object)
        en = zh.copy()
        shown = (
            frame["key"].astype(str)
            + " "
            + frame["start"].dt.strftime("%Y-%m-%d")
            + "…"
            + previous.dt.strftime("%Y-%m-%d").fillna("")
        )[overlapping]
        zh[bad_rows] = (rule.key + " = " + shown + "（与同一许可证较早的有效期重叠）").to_numpy()
        en[bad_rows] = (rule.key + " = " + shown + " (overlaps an earlier validity period)").to_numpy()
        issues.add(mask, "overlapping_period", pd.Series(zh), pd.Series(en))
        result = result & ~mask
    return result
