"""The dbt models as Dagster assets: keys, lineage to the raw tables, and one in-process materialisation
against an empty warehouse (every raw table present, no rows) — the first run of a fresh installation."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_defs.metrics import defs, zhifa_dbt_models
from dagster_defs.resources import WAREHOUSE_POOL, WarehouseResource, raw_key

pytestmark = pytest.mark.slow

MARTS = [
    "fct_case_fines",
    "unit_fine_consistency",
    "officer_fine_consistency",
    "similar_case_pairs",
    "rule_results",
    "fct_dossier_quality",
    "reviewer_calibration",
    "case_risk_signals",
    "fct_case_risk",
    "unit_risk",
]


def test_assets_are_keyed_by_schema_and_hang_below_the_raw_tables() -> None:
    keys = set(zhifa_dbt_models.keys)
    assert {dg.AssetKey(["marts", m]) for m in MARTS} <= keys
    upstream = {d for k in keys for d in zhifa_dbt_models.asset_deps[k]} - keys
    assert {raw_key(t) for t in ("cases", "case_items", "documents", "document_fields")} <= upstream
    assert zhifa_dbt_models.op.pool == WAREHOUSE_POOL


def test_materialise_on_an_empty_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    result = dg.materialize(
        [zhifa_dbt_models],
        resources={**(defs.resources or {}), "warehouse": WarehouseResource(database=str(db))},
        raise_on_error=False,
    )
    assert result.success
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
