"""Great Expectations 1.x suites as code: one suite per contract table, run on ``raw.<table>``.

The contract (ingestion.contract) gives every table the same kinds of expectation; ``EXTRA`` adds
what a table knows beyond the contract. After quarantine every suite should pass: a failure means
the loader let a contract breach through.
"""

from __future__ import annotations

from collections.abc import Callable

import great_expectations as gx
import great_expectations.expectations as gxe

from ingestion.contract import CONTRACT, LogicalType
from ingestion.raw_schema import META_COLUMNS

Expectation = gxe.Expectation

FORMATS: dict[LogicalType, str] = {
    LogicalType.EAN13: r"^\d{13}$",
    LogicalType.LICENCE12: r"^\d{12}$",
}


def _sha256(column: str) -> Expectation:
    return gxe.ExpectColumnValuesToMatchRegex(column=column, regex=r"^[0-9a-f]{64}$")


# Table-specific expectations beyond the contract (facts of the domain, see DOMAIN.md).
EXTRA: dict[str, Callable[[], list[Expectation]]] = {
    "cases": lambda: [
        gxe.ExpectColumnValuesToMatchRegex(column="unit_code", regex=r"^\d{6}$"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="filed_at",
            column_B="discovered_at",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ],
    "units": lambda: [gxe.ExpectColumnValuesToMatchRegex(column="unit_code", regex=r"^\d{6}$")],
    "case_items": lambda: [
        gxe.ExpectColumnValuesToMatchRegex(column="spray_code", regex=r"^\d{16}[A-Z]{4}\d{12}$")
    ],
    "documents": lambda: [_sha256("sha256")],
    "videos": lambda: [
        _sha256("sha256"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ended_at", column_B="started_at", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
    ],
    "reviews": lambda: [gxe.ExpectColumnValuesToBeBetween(column="total_score", min_value=0, max_value=100)],
    "review_items": lambda: [gxe.ExpectColumnValuesToBeBetween(column="deducted_points", min_value=0)],
}


def key_columns(table_name: str) -> list[str]:
    """The primary key columns whose uniqueness the suite expects."""
    return list(CONTRACT[table_name].primary_key)


def build_suite(table_name: str, part: str = "all") -> gx.ExpectationSuite:
    """The expectation suite of one contract table.

    ``part`` = ``rows``: the expectations judged row by row (any split of the rows gives the same
    verdict); ``keys``: uniqueness of the primary key (needs every row at once, key columns only);
    ``all``: both.
    """
    if part not in ("all", "rows", "keys"):
        raise ValueError(f"unknown suite part: {part}")
    table = CONTRACT[table_name]
    suite = gx.ExpectationSuite(name=f"raw_{table_name}" + ("" if part == "all" else f"_{part}"))
    if part != "keys":
        for expectation in _row_expectations(table_name):
            suite.add_expectation(expectation)
    if part != "rows":
        if len(table.primary_key) == 1:
            suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=table.primary_key[0]))
        else:
            suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(table.primary_key)))
    return suite


def _row_expectations(table_name: str) -> list[Expectation]:
    table = CONTRACT[table_name]
    columns = [*table.column_names, *(name for name, _ in META_COLUMNS)]
    found: list[Expectation] = [gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=True)]
    for column in table.columns:
        if column.required:
            found.append(gxe.ExpectColumnValuesToNotBeNull(column=column.name))
        if column.type == LogicalType.ENUM:
            found.append(
                gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.enum_values))
            )
        if column.type in FORMATS:
            found.append(gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=FORMATS[column.type]))
        if column.min_value is not None or column.max_value is not None:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name, min_value=column.min_value, max_value=column.max_value
                )
            )
    return found + EXTRA.get(table_name, lambda: [])()
