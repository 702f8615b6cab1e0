"""Compare the marts of two warehouse files row for row: the check that a refactoring changed no result.

    uv run python scripts/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schema marts] [--rename old=new ...]

Every relation of the schema in BEFORE is compared with the one of the same name (or its --rename) in AFTER
row by row in a canonical order over the columns both have, doubles equal to 1e-9 relative (DuckDB's
parallel sums differ in the last bit from run to run); columns on one side only are named.
Exit status 0 when every relation is identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import duckdb

FLOATS = ("DOUBLE", "FLOAT", "REAL")


def _relations(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name, ordinal_position",
        [db, schema],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, {})[column] = data_type
    return out


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y))
    return x == y


def _rows(con: duckdb.DuckDBPyConnection, relation: str, columns: dict[str, str]) -> list[tuple[Any, ...]]:
    """Rows in a canonical order: exact columns first, doubles (rounded for ordering only) last."""
    exact = [f'"{c}"' for c, t in columns.items() if t not in FLOATS]
    floats = [f'"{c}"' for c, t in columns.items() if t in FLOATS]
    order = ", ".join(f"{x} NULLS FIRST" for x in (*exact, *(f"round({f}, 6)" for f in floats)))
    return con.execute(f"SELECT {', '.join((*exact, *floats))} FROM {relation} ORDER BY {order}").fetchall()


def compare(before: str, after: str, schema: str, renames: dict[str, str]) -> list[str]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{after}' AS b (READ_ONLY)")
    old, new = _relations(con, "a", schema), _relations(con, "b", schema)
    problems: list[str] = []
    for table, columns in sorted(old.items()):
        other = renames.get(table, table)
        if other not in new:
            problems.append(f"{table}: missing after")
            continue
        shared = {c: t for c, t in columns.items() if c in new[other]}
        for side, extra in (("before", set(columns) - set(shared)), ("after", set(new[other]) - set(shared))):
            if extra:
                problems.append(f"{table}: columns only {side}: {', '.join(sorted(extra))}")
        rows_a = _rows(con, f"a.{schema}.{table}", shared)
        rows_b = _rows(con, f"b.{schema}.{other}", shared)
        differing = sum(
            1 for ra, rb in zip(rows_a, rows_b, strict=False) if not all(map(_same, ra, rb))
        ) + abs(len(rows_a) - len(rows_b))
        if differing:
            problems.append(f"{table}: {differing} rows differ ({len(rows_a)} before, {len(rows_b)} after)")
        else:
            print(f"{table}{' → ' + other if other != table else ''}: {len(rows_a)} rows, identical")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--rename", action="append", default=[], help="old=new")
    args = parser.parse_args()
    renames = dict(r.split("=", 1) for r in args.rename)
    try:
        problems = compare(args.before, args.after, args.schema, renames)
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
