"""The column_rules data test (dbt_project/tests/generic/column_rules.sql) against violating rows: each rule
of each such test is run, as the build compiled it, on a copy of its model with one row that breaks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

NOT_ACCEPTED = "not one of the accepted values"


def column_rules_tests(target: Path) -> list[dict[str, Any]]:
    """The build's column_rules tests, each with its compiled SQL and its model's relation."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    ran = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    compiled = {r["unique_id"]: r["compiled_code"] for r in ran if r.get("compiled_code")}
    return [
        {
            **n["test_metadata"]["kwargs"],
            "sql": compiled[n["unique_id"]],
            "relation": manifest["nodes"][n["attached_node"]]["relation_name"],
            "model": manifest["nodes"][n["attached_node"]]["name"],
        }
        for n in manifest["nodes"].values()
        if (n.get("test_metadata") or {}).get("name") == "column_rules"
    ]


def _violations(test: dict[str, Any], types: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    """(rule, column, statements breaking it in table t)."""
    for column in test.get("not_null", []):
        yield "not_null", column, f'insert into t ("{column}") values (null)'
    for column in test.get("unique", []):
        # a copy of a row holding a value; on an empty model two rows with the same value
        duplicate = (
            f'insert into t select * from t where "{column}" is not null limit 1;'
            f"insert into t (\"{column}\") select cast('1' as {types[column]}) from range(2)"
            " where not exists (select 1 from t)"
        )
        yield "unique", column, duplicate
    for column in test.get("accepted_values", {}):
        yield "accepted_values", column, f"insert into t (\"{column}\") values ('{NOT_ACCEPTED}')"


def failures_on_violations(db: Path, tests: list[dict[str, Any]]) -> dict[tuple[str, str, str], str]:
    """For each rule of each column_rules test, keyed (model, rule, column): what its query raised on the
    model plus one row breaking that rule ('' when it raised nothing); under (model, 'clean', ''), what it
    raised on the model as built."""
    con = duckdb.connect()
    out = {}
    try:
        con.execute(f"attach '{db}' as warehouse (read_only)")
        con.execute("use memory.main")
        for test in tests:
            sql = test["sql"].replace(test["relation"], "memory.main.t")
            wrapped = f"select count(*) as failures from ({sql}) dbt_internal_test"  # as dbt runs it

            def run(wrapped: str = wrapped) -> str:
                try:
                    con.execute(wrapped).fetchall()
                except duckdb.Error as error:
                    return str(error)
                return ""

            con.execute(f"create or replace table t as select * from {test['relation']}")
            types = dict(con.execute("select column_name, column_type from (describe t)").fetchall())
            out[(test["model"], "clean", "")] = run()
            for rule, column, statement in _violations(test, types):
                con.execute("begin")
                con.execute(statement)
                out[(test["model"], rule, column)] = run()
                con.execute("rollback")
        return out
    finally:
        con.close()
