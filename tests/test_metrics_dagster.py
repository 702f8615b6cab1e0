"""The dbt models as Dagster assets: keys, lineage to the raw tables, and one in-process materialisation
against an empty warehouse (every raw table present, no rows) — the first run of a fresh installation."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from dagster_defs.metrics import defs, zhifa_dbt_models
from dagster_defs.resources import WAREHOUSE_POOL, WarehouseResource, raw_key

pytestmark = pytest.mark.slow

MARTS = [
    "fct_case_fines",
    "fct_unit_fine_consistency",
    "fct_officer_fine_consistency",
    "fct_similar_case_pairs",
    "fct_rule_results",
    "fct_dossier_quality",
    "fct_reviewer_calibration",
    "fct_case_risk_signals",
    "fct_case_risk",
    "fct_unit_risk",
]


def test_assets_are_keyed_by_schema_and_hang_below_the_raw_tables() -> None:
    keys = set(zhifa_dbt_models.keys)
    assert {dg.AssetKey(["marts", m]) for m in MARTS} <= keys
    upstream = {d for k in keys for d in zhifa_dbt_models.asset_deps[k]} - keys
    assert {raw_key(t) for t in ("cases", "case_items", "documents", "document_fields")} <= upstream
    assert zhifa_dbt_models.op.pool == WAREHOUSE_POOL


def test_materialise_on_an_empty_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also: dbt learns the warehouse file from its command line; the process environment, which other runs
    and threads share, is left alone while dbt runs."""
    db = tmp_path / "warehouse.duckdb"
    started: list[tuple[list[str], dict[str, str]]] = []
    real_popen = subprocess.Popen

    def popen(args: Any, *rest: Any, **kwargs: Any) -> Any:
        started.append((list(args), dict(os.environ)))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    before = dict(os.environ)
    result = dg.materialize(
        [zhifa_dbt_models],
        resources={**(defs.resources or {}), "warehouse": WarehouseResource(database=str(db))},
        raise_on_error=False,
    )
    assert result.success
    builds = [(args, env) for args, env in started if "build" in args]
    assert builds, "dbt build was not started"
    for args, env in builds:
        assert json.loads(args[args.index("--vars") + 1]) == {"warehouse_path": str(db)}
        assert env == before
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    assert set(MARTS) <= tables
