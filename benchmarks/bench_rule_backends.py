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
import os
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from dbt_model_support import StandInDbt, load_model

SCHEMA = {
    "int_dossier_facts": "intermediate",
    "int_review_rules": "intermediate",
    "ref_document_types": "ref",
    "int_settings_versions": "intermediate",
}


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
    model = load_model("intermediate/int_rule_results.py")
    con = duckdb.connect(db, read_only=True)

    def dbt(backend: str) -> StandInDbt:
        return StandInDbt(
            lambda name: con.sql(f'select * from "{SCHEMA[name]}"."{name}"'), {"rule_backend": backend}
        )

    con.execute("set memory_limit = '2GB'")
    print("loadavg", os.getloadavg(), flush=True)
    started = time.perf_counter()
    out = model.model(dbt(backend), con)
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
        compiled = model.model(dbt("sql"), con)  # noqa: F841
        only_ref = con.execute(
            "select count(*) from (select * from ref except all select * from compiled)"
        ).fetchall()[0][0]
        only_sql = con.execute(
            "select count(*) from (select * from compiled except all select * from ref)"
        ).fetchall()[0][0]
        print("rows only in the reference:", only_ref, "only in SQL:", only_sql)


if __name__ == "__main__":
    main()
