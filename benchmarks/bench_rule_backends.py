"""Benchmark: the machine review model ``int_rule_results`` alone, one back-end per process, on a built
warehouse.

    /usr/bin/time -v uv run python benchmarks/bench_rule_backends.py sql WAREHOUSE.duckdb
    /usr/bin/time -v uv run python benchmarks/bench_rule_backends.py python WAREHOUSE.duckdb  # + comparison

The model runs with a stand-in ``dbt`` over a read-only connection (``memory_limit`` 2 GB as the profile);
the SQL back-end is run to the end with every output column computed. With ``python`` (the reference,
``evaluate_rules`` per settings version) the SQL back-end's rows are compared after the timing (EXCEPT ALL
both ways).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MODEL = ROOT / "dbt_project" / "models" / "intermediate" / "int_rule_results.py"
SCHEMA = {
    "int_dossier_facts": "intermediate",
    "int_review_rules": "intermediate",
    "ref_document_types": "ref",
    "int_settings_versions": "intermediate",
}


class _Config:
    def __init__(self, backend: str) -> None:
        self.backend = backend

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str) -> str:
        return self.backend


class _Dbt:
    def __init__(self, con: duckdb.DuckDBPyConnection, backend: str) -> None:
        self.con, self.config = con, _Config(backend)

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        return self.con.sql(f'select * from "{SCHEMA[name]}"."{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(
        description="int_rule_results alone with one back-end, on a built warehouse"
    )
    parser.add_argument(
        "backend", choices=["sql", "python"], help="sql (the warehouse's) | python (reference)"
    )
    parser.add_argument("warehouse", help="a built warehouse (DuckDB file), opened read-only")
    args = parser.parse_args()
    backend, db = args.backend, args.warehouse
    spec = importlib.util.spec_from_file_location("int_rule_results", MODEL)
    assert spec is not None and spec.loader is not None
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    con = duckdb.connect(db, read_only=True)
    con.execute("set memory_limit = '2GB'")
    print("loadavg", os.getloadavg(), flush=True)
    started = time.perf_counter()
    out = model.model(_Dbt(con, backend), con)
    if backend == "sql":
        rows = con.execute(
            "select count(*) from out where hash(case_id, rule_id, passed, deducted_points, veto, outcome, "
            "unknown_facts) is not null"
        ).fetchall()[0][0]
    else:
        rows = len(out)
    print(backend, f"{time.perf_counter() - started:.1f} s", rows, "rows", flush=True)
    if backend == "python":
        ref = out  # noqa: F841 — read by name below
        compiled = model.model(_Dbt(con, "sql"), con)  # noqa: F841
        only_ref = con.execute(
            "select count(*) from (select * from ref except all select * from compiled)"
        ).fetchall()[0][0]
        only_sql = con.execute(
            "select count(*) from (select * from compiled except all select * from ref)"
        ).fetchall()[0][0]
        print("rows only in the reference:", only_ref, "only in SQL:", only_sql)


if __name__ == "__main__":
    main()
