"""The bare-DuckDB floor of a ``dbt build``: the work the build does, without dbt, from its own manifest.

Run on a copy of the built warehouse (seeds and raw tables in place), in one DuckDB connection, in dependency
order, every part timed (wall and process CPU — DuckDB's threads included):

- ``sql_models``: every SQL model's compiled SELECT, ``CREATE OR REPLACE TABLE/VIEW`` (the floor of the
  earlier benchmarks, kept as it was so the history stays comparable);
- ``python_sql_models``: every Python model whose ``model()`` returns a DuckDB relation (pseudonymising
  staging, machine review as generated SQL, recognised facts): its compiled module run as dbt-duckdb runs it
  (``model(dbt, cursor)``, then ``CREATE TABLE … AS SELECT * FROM`` the relation) — SQL built in Python and
  executed by DuckDB, the same physical work;
- ``python_pandas_models``: the Python models that return a pandas frame (the disparity EM, the training
  effect): run the same way, but their time is numpy/pandas, not SQL, so it has **no bare-DuckDB floor** and
  is reported apart, never counted in the floor;
- ``data_tests``: every data test's compiled query in dbt's wrapper (``select count(*) … from (…)``);
- ``unit_tests``: every unit test's compiled query (the model's SQL over its fixture CTEs), fetched — the
  expected rows' literal CTE and dbt's row comparison in Python are left out (a few rows each).

Seeds (CSV loads, under a second) are not re-run. The floor's tables are the build's (tests/test_metrics.py
compares them), so the floor is the same SQL on the same data.
"""

from __future__ import annotations

import json
import shutil
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

PARTS = ("sql_models", "python_sql_models", "python_pandas_models", "data_tests", "unit_tests")
# the parts a bare DuckDB would also have to run: the floor
FLOOR_PARTS = ("sql_models", "python_sql_models", "data_tests", "unit_tests")


def _order(nodes: dict[str, dict[str, Any]]) -> list[str]:
    """Model keys in dependency order (parents first; ties by name, as before)."""
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen or key not in nodes:
            return
        seen.add(key)
        for dep in nodes[key]["depends_on"]["nodes"]:
            visit(dep)
        order.append(key)

    for key in sorted(nodes):
        visit(key)
    return order


def _python_model(con: duckdb.DuckDBPyConnection, node: dict[str, Any]) -> str:
    """Run a compiled Python model as dbt-duckdb does; the part it belongs to."""
    module = types.ModuleType(node["name"])
    exec(compile(node["compiled_code"], node["original_file_path"], "exec"), module.__dict__)
    cursor = con.cursor()
    try:
        out = module.model(module.dbtObj(lambda table: cursor.query(f"select * from {table}")), cursor)
        relation = isinstance(out, duckdb.DuckDBPyRelation)
        temp = f"__floor_{node['name']}"
        cursor.register(temp, out)
        cursor.execute(f"CREATE OR REPLACE TABLE {node['relation_name']} AS SELECT * FROM {temp}")
        cursor.unregister(temp)
    finally:
        cursor.close()
    return "python_sql_models" if relation else "python_pandas_models"


def run(warehouse: Path, target: Path, work: Path, keep: bool = False) -> dict[str, dict[str, float]]:
    """Every part's wall and CPU seconds and node count, on a copy of ``warehouse`` under ``work`` (deleted
    after unless ``keep``). The copy keeps the file name, so its catalog has the build's name and the
    compiled SQL runs unchanged."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    # the SQL the build ran, as it ran it (the manifest carries no unit test's compiled SQL)
    ran = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    compiled = {r["unique_id"]: r["compiled_code"] for r in ran if r.get("compiled_code")}
    for node in [*manifest["nodes"].values(), *manifest.get("unit_tests", {}).values()]:
        node["compiled_code"] = compiled.get(node["unique_id"], node.get("compiled_code"))
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    unit_tests = list(manifest.get("unit_tests", {}).values())
    work.mkdir(parents=True, exist_ok=True)
    copy = work / warehouse.name
    shutil.copy(warehouse, copy)
    parts = {p: {"wall_s": 0.0, "cpu_s": 0.0, "nodes": 0} for p in PARTS}

    def timed(part: str, step: Callable[..., str | None], *args: Any) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        part = step(*args) or part
        parts[part]["wall_s"] += time.perf_counter() - started
        parts[part]["cpu_s"] += time.process_time() - cpu
        parts[part]["nodes"] += 1

    def query(sql: str) -> None:
        con.execute(sql).fetchall()

    con = duckdb.connect(str(copy))
    try:
        for key in _order(models):
            node = models[key]
            if node["language"] == "python":
                timed("", _python_model, con, node)
                continue
            kind = "VIEW" if node["config"]["materialized"] == "view" else "TABLE"
            timed(
                "sql_models",
                query,
                f"CREATE OR REPLACE {kind} {node['relation_name']} AS {node['compiled_code']}",
            )
        for test in tests:
            fail_calc = test["config"].get("fail_calc") or "count(*)"
            timed(
                "data_tests",
                query,
                f"select {fail_calc} as failures from ({test['compiled_code']}) dbt_internal_test",
            )
        for test in unit_tests:
            timed("unit_tests", query, test["compiled_code"])
    finally:
        con.close()
        if not keep:
            copy.unlink(missing_ok=True)
    for part in parts.values():
        part["wall_s"], part["cpu_s"] = round(part["wall_s"], 2), round(part["cpu_s"], 2)
    return parts
