"""Run a table's suite with an ephemeral GX context (no project folder, no progress bars).

Big tables are not handed to GX as one frame: the row-wise expectations (types, sets, formats,
bounds, column pairs, the column set) give the same verdict whether they see the rows at once or
in parts, so they run on ``CHUNK_ROWS`` rows at a time and their unexpected counts are added up;
uniqueness needs every row at once, so it runs on a frame of the key columns only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Rows per GX batch: bounds the memory of a check, not a rule (the verdict does not depend on it).
CHUNK_ROWS = 500_000


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)  # expectation, column, unexpected count
    rows_checked: int = 0


class _SuiteRun:
    """One table's suite part (``rows`` or ``keys``), validated batch after batch, results added up."""

    def __init__(self, table_name: str, part: str) -> None:
        self.batches = _frame_batches()  # first: it makes the GX context the suite is made within
        from expectations.suites import build_suite

        self.suite = build_suite(table_name, part)
        self.success = True
        self.evaluated = len(self.suite.expectations)
        self.unexpected: dict[int, int | None] = {}  # failed expectation (suite position) -> count
        self.configs: dict[int, Any] = {}

    def run(self, frame: pd.DataFrame) -> None:
        # validated as a batch, not through a ValidationDefinition: the same validator, without the
        # context's stores (each add re-serialises the whole project config; every result is stored)
        batch = self.batches.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(self.suite)
        self.success = self.success and bool(result.success)
        for position, r in enumerate(result.results):
            config = r.expectation_config
            if r.success or config is None:
                continue
            count = r.result.get("unexpected_count")
            before = self.unexpected.get(position)
            self.unexpected[position] = count if before is None else before + (count or 0)
            self.configs[position] = config

    def failed(self) -> list[dict[str, Any]]:
        """In result order, the key's uniqueness last: as the ``rows`` part followed by the ``keys``
        part list them (a whole suite's results put it among its column's other expectations)."""
        out = []
        for position in sorted(self.configs, key=lambda p: (self.configs[p].type in _KEY_TYPES, p)):
            config = self.configs[position]
            column = config.kwargs.get("column") or config.kwargs.get("column_list")
            out.append(
                {"expectation": config.type, "column": column, "unexpected": self.unexpected[position]}
            )
        return out


# The expectation types of the ``keys`` part (uniqueness of the primary key); the ``rows`` part has none.
_KEY_TYPES = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


@cache
def _frame_batches() -> Any:
    """The one batch definition every suite runs on: a whole dataframe given at validation time, in an
    ephemeral GX context made once per process (no project folder, no progress bars)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame below this size (an md5 of all its cells) only to note it in the
    # result's batch markers, which nothing here reads: a fifth of the suites' time on a national load.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("raw_table")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def _outcome(table_name: str, parts: Sequence[_SuiteRun], rows: int) -> SuiteOutcome:
    return SuiteOutcome(
        suite=f"raw_{table_name}",
        success=all(p.success for p in parts),
        evaluated=sum(p.evaluated for p in parts),
        failed=[f for p in parts for f in p.failed()],
        rows_checked=rows,
    )


def run_suite(table_name: str, frame: pd.DataFrame) -> SuiteOutcome:
    """Validate ``frame`` (the rows of ``raw.<table_name>``) against the table's whole suite."""
    whole = _SuiteRun(table_name, "all")
    whole.run(frame)
    return _outcome(table_name, [whole], len(frame))


def run_table_suite(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    loads: Sequence[str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> SuiteOutcome:
    """Validate the rows of ``raw.<table_name>`` written by ``loads`` (None: every row): at once when
    they fit in ``chunk_rows``, else the row-wise part in batches and uniqueness on the key columns."""
    from expectations.suites import key_columns

    where = "true" if loads is None else "list_contains(?, _load_id)"
    params: list[Any] = [] if loads is None else [list(loads)]
    sql = f"SELECT * FROM raw.{table_name} WHERE {where}"
    counted = con.execute(
        f"SELECT count(*), min(rowid), max(rowid) FROM raw.{table_name} WHERE {where}", params
    )
    total, low, high = counted.fetchall()[0]  # fetched to the end: the connection runs a relation next
    if total <= chunk_rows:  # one frame (at least one, so an empty table still meets its column set)
        return run_suite(table_name, frame_of(con, sql, params))
    rows_part, keys_part = _SuiteRun(table_name, "rows"), _SuiteRun(table_name, "keys")
    rows = 0
    for start in range(low, high + 1, chunk_rows):
        # row-id ranges, each converted exactly as one ``.df()`` of all the rows would be
        frame = frame_of(con, f"{sql} AND rowid >= ? AND rowid < ?", [*params, start, start + chunk_rows])
        if len(frame):
            rows_part.run(frame)
            rows += len(frame)
    keys = ", ".join(key_columns(table_name))
    keys_part.run(frame_of(con, f"SELECT {keys} FROM raw.{table_name} WHERE {where}", params))
    return _outcome(table_name, [rows_part, keys_part], rows)


# DuckDB's ``.df()`` gives a column with nulls these nullable dtypes (without nulls: plain numpy ones).
_NULLABLE = {
    pa.bool_(): pd.BooleanDtype(),
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}


def _plain(kind: pa.DataType) -> bool:
    checks = (pa.types.is_string, pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
    return any(check(kind) for check in (*checks, pa.types.is_date32, pa.types.is_timestamp))


def frame_of(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pd.DataFrame:
    """The frame ``con.execute(sql, params).df()`` gives, made through Arrow: DuckDB's own conversion
    builds a Python string per text cell before pandas turns them back into Arrow text (a sixth of a
    national import). Same dtypes: dates as datetime64[us], nullable integers and booleans where the
    column has nulls. A result without rows (its text columns are ``object``) or with a type of another
    kind (decimals, lists …: none in ``raw``) is left to ``.df()``."""
    table = con.sql(sql, params=params).to_arrow_table()
    if table.num_rows == 0 or not all(_plain(f.type) for f in table.schema):
        return con.execute(sql, params).df()
    dates = [pa.field(f.name, pa.timestamp("us")) if pa.types.is_date(f.type) else f for f in table.schema]
    table = table.cast(pa.schema(dates))
    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns, strict=True):
        if column.null_count and column.type in _NULLABLE:
            frame[name] = column.to_pandas(types_mapper=_NULLABLE.get)
    return frame
