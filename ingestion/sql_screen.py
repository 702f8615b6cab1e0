"""The contract checks in DuckDB SQL, as a screen in front of the Python validator (issue #22).

For each chunk of a table, one SQL statement types every cell and decides whether the row is *surely*
good: every cell in the canonical form of its type (a form for which the SQL value is the value
``ingestion.parsing`` gives), required cells present, bounds, known codes, foreign keys and row rules
met. Those rows go straight into ``_stage``; every other row — anything unusual, not only the bad
ones — is handed to the Python validator (``ingestion.validate``), which stays the one place where
reasons are worded. So the screen may send too many rows to Python, never too few: the rejects are the
same lines with the same reasons (``tests/test_sql_screen.py`` ties both paths together).

Duplicate keys are found over the staged rows in SQL; only their rows are re-read in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ingestion.contract import CONTRACT, Column, LogicalType, Table
from ingestion.contract_spec import Ordered, RequiredWhen, SamePrefix
from ingestion.raw_schema import raw_columns
from ingestion.refcodes import Kind
from ingestion.validate import KeyArrays
from zhifa.clock import LOCAL_TIMEZONE

# Characters Python's str.strip or Arrow's utf8 trim may remove: a cell starting or ending with one
# is left to Python (clean_text), whatever it is.
_EDGE = (
    r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{180e}\x{2000}-\x{200b}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}]"
)
_NUMBER = r"[+-]?[0-9]{1,12}(\.[0-9]{1,6})?"  # ≤ 18 digits: parsed to the same double by both
_INT = r"[+-]?[0-9]{1,15}"
_BOOL = r"[tT][rR][uU][eE]|[fF][aA][lL][sS][eE]|[yY][eE][sS]|[nN][oO]|1|0|是|否"
_DATE = r"(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}"
# From 1992 on: Shanghai kept summer time 1986–1991, whose ambiguous hours Python leaves empty.
_TIME = (
    r"(199[2-9]|20[0-9]{2}|21[0-9]{2})-[0-9]{2}-[0-9]{2}"
    r"[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
)
_OFFSET = r"Z|[+-](0[0-9]|1[0-4]):[0-5][0-9]"
_BOOL_SQL = "CASE WHEN lower({v}) IN ('true', 'yes', '1', '是') THEN true WHEN {v} IS NOT NULL THEN false END"


def screenable(table: Table) -> bool:
    """Self-referencing tables (units, reviews) resolve their parents over the whole table in Python."""
    return not any(fk.ref_table == table.name for fk in table.foreign_keys)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in(v: str, values: Any) -> str:
    return f"{v} IN ({', '.join(_literal(x) for x in sorted(values))})" if values else "false"


def _ean13(v: str) -> str:
    digit = [f"(ascii(substr({v}, {i + 1}, 1)) - 48)" for i in range(13)]
    odd, even = " + ".join(digit[0:12:2]), " + ".join(digit[1:12:2])
    return f"(10 - (({odd}) + 3 * ({even})) % 10) % 10 = {digit[12]}"


def _typed(column: Column, v: str) -> str:
    """The SQL value of a cell (only used where ``_valid`` holds)."""
    kind = column.type
    if kind == LogicalType.INT:
        return f"TRY_CAST({v} AS BIGINT)"
    if kind == LogicalType.DECIMAL:
        return f"TRY_CAST({v} AS DOUBLE)"
    if kind == LogicalType.BOOL:
        return _BOOL_SQL.format(v=v)
    if kind == LogicalType.DATE:
        return f"TRY_CAST({v} AS DATE)"
    if kind == LogicalType.TIMESTAMP:
        return (
            f"CASE WHEN regexp_matches({v}, '({_OFFSET})$') THEN TRY_CAST({v} AS TIMESTAMPTZ) "
            f"ELSE timezone('{LOCAL_TIMEZONE}', TRY_CAST({v} AS TIMESTAMP)) END"
        )
    return v


def _valid(column: Column, v: str, t: str, kinds: Mapping[str, Kind]) -> str:
    """A present cell surely good for Python too."""
    kind = column.type
    if kind == LogicalType.TEXT:
        cell = f"NOT regexp_matches({v}, '^{_EDGE}|{_EDGE}$')"
        if column.codes:  # only canonical codes here: aliases and unknown codes are Python's
            cell = _in(v, kinds[column.codes].codes)
        return cell
    if kind == LogicalType.ENUM:
        return _in(v, column.enum_values)
    shape = {
        LogicalType.INT: _INT,
        LogicalType.DECIMAL: _NUMBER,
        LogicalType.BOOL: _BOOL,
        LogicalType.DATE: _DATE,
        LogicalType.TIMESTAMP: f"{_TIME}({_OFFSET})?",
        LogicalType.EAN13: "[0-9]{13}",
        LogicalType.LICENCE12: "[0-9]{12}",
    }[kind]
    cell = f"regexp_full_match({v}, '{shape}')"
    if kind in (LogicalType.DATE, LogicalType.TIMESTAMP):
        cell += f" AND {t} IS NOT NULL"
    if kind == LogicalType.EAN13:
        cell += f" AND {_ean13(v)}"
    if column.min_value is not None:
        cell += f" AND {t} >= {column.min_value!r}"
    if column.max_value is not None:
        cell += f" AND {t} <= {column.max_value!r}"
    return cell


def _rule(rule: Any) -> str | None:
    """A row rule met (Ordered compares instants: a superset of Python's by-day test)."""
    if isinstance(rule, Ordered):
        return f"NOT coalesce(t_{rule.later} < t_{rule.earlier}, false)"
    if isinstance(rule, SamePrefix):
        return f"coalesce(left(t_{rule.column}, {rule.length}) = t_{rule.other}, true)"
    if isinstance(rule, RequiredWhen):
        return f"NOT (coalesce({_in('t_' + rule.when, rule.values)}, false) AND t_{rule.column} IS NULL)"
    return None  # NoOverlap: across rows, checked in Python over the whole table


class SqlScreen:
    """One table's screen: ``check`` stages a chunk's surely-good rows and returns the others."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table_name: str,
        known_keys: Mapping[str, set[Any]],
        kinds: Mapping[str, Kind],
        meta: tuple[str, str, datetime],  # load id, source file, loaded at (as ``stage_rows``)
        key_arrays: KeyArrays | None = None,  # the parent keys as Arrow, shared with the validator
    ) -> None:
        self.con, self.table, self.meta = con, CONTRACT[table_name], meta
        self.kinds = kinds
        key_arrays = key_arrays or KeyArrays()
        self.key_views: list[str] = []
        self.fk_checks: list[str] = []
        for i, fk in enumerate(self.table.foreign_keys):
            if fk.key not in known_keys:
                continue  # parent neither in this import nor supplied: not checked (as in Python)
            view = f"_known_{i}"
            con.register(view, pa.table({"k": key_arrays.get(fk.key, known_keys[fk.key])}))
            self.key_views.append(view)
            self.fk_checks.append(f"(t_{fk.column} IS NULL OR t_{fk.column} IN (SELECT k FROM {view}))")

    def _sql(self, present: set[str]) -> str:
        typed, checks = [], []
        for column in self.table.columns:
            v = f'"{column.name}"' if column.name in present else "NULL::VARCHAR"
            t = f"t_{column.name}"
            typed.append(f"{_typed(column, v)} AS {t}")
            valid = _valid(column, v, t, self.kinds)
            if column.required:
                checks.append(f"({v} IS NOT NULL AND {valid})")
            elif column.name in present:
                checks.append(f"({v} IS NULL OR ({valid}))")
        checks += self.fk_checks
        checks += [c for c in (_rule(r) for r in self.table.rules) if c]
        firsts = [
            f'_pos IN (SELECT min(_pos) FROM _chunk GROUP BY "{c.name}")'
            for c in self.table.columns
            if c.codes and c.name in present
        ]
        ok = " AND ".join(f"coalesce({c}, false)" for c in checks) or "true"
        # the first row of each code goes to Python too, so its per-chunk code order is the full chunk's
        picked = " OR ".join(firsts) or "false"
        return f"""CREATE OR REPLACE TEMP TABLE _screened AS
            SELECT _pos, _line, {", ".join(f"t_{c}" for c in self.table.column_names)},
                   ({ok}) AND NOT ({picked}) AS _ok
            FROM (SELECT *, {", ".join(typed)} FROM _chunk)"""

    def check(self, part: pd.DataFrame, lines: np.ndarray) -> np.ndarray:
        """Stage the surely-good rows of ``part`` (raw text, lines as the clerk sees them); return the
        positions (within ``part``) of the rows Python must check."""
        chunk = pa.Table.from_pandas(part.reset_index(drop=True), preserve_index=False)
        chunk = chunk.append_column("_pos", pa.array(np.arange(len(part), dtype=np.int64)))
        chunk = chunk.append_column("_line", pa.array(np.asarray(lines, dtype=np.int64)))
        self.con.register("_chunk", chunk)
        try:
            self.con.execute(self._sql(set(part.columns)))
        finally:
            self.con.unregister("_chunk")
        types = dict(raw_columns(self.table.name))
        cols = ", ".join(f"CAST(t_{c} AS {types[c]})" for c in self.table.column_names)
        self.con.execute(
            f"""INSERT INTO _stage SELECT {cols}, ?::VARCHAR, ?::VARCHAR, _line, ?::TIMESTAMPTZ
            FROM _screened WHERE _ok""",
            list(self.meta),
        )
        rest = self.con.execute("SELECT _pos FROM _screened WHERE NOT _ok ORDER BY _pos").fetchnumpy()
        self.con.execute("DROP TABLE _screened")
        return np.asarray(rest["_pos"], dtype=np.int64)

    def duplicate_lines(self) -> np.ndarray:
        """Lines of the staged rows whose key is staged more than once (nulls equal, as in pandas)."""
        key = ", ".join(self.table.primary_key)
        found = self.con.execute(
            f"""SELECT _line_no FROM (SELECT _line_no, count(*) OVER (PARTITION BY {key}) AS n FROM _stage)
            WHERE n > 1 ORDER BY _line_no"""
        ).fetchnumpy()
        return np.asarray(found["_line_no"], dtype=np.int64)

    def unstage(self, lines: np.ndarray) -> None:
        if len(lines):
            self.con.register("_dropped", pa.table({"line": pa.array(lines, pa.int64())}))
            try:
                self.con.execute("DELETE FROM _stage WHERE _line_no IN (SELECT line FROM _dropped)")
            finally:
                self.con.unregister("_dropped")

    def good_keys(self, columns: list[str]) -> dict[str, set[Any]]:
        out = {}
        for column in columns:
            rows = self.con.execute(f"SELECT DISTINCT {column} FROM _stage WHERE {column} IS NOT NULL")
            out[column] = {r[0] for r in rows.fetchall()}
        return out

    def close(self) -> None:
        for view in self.key_views:
            self.con.unregister(view)
