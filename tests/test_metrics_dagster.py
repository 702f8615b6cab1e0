"""The dbt models as Dagster assets: keys, lineage to the raw tables, and one in-process materialisation
against an empty warehouse (every raw table present, no rows) — the first run of a fresh installation."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from dagster_defs.metrics import (
    _dbt_executable,
    _parse_once,
    defs,
    parse_args,
    warehouse_vars,
    zhifa_dbt_models,
)
from dagster_defs.resources import WAREHOUSE_POOL, WarehouseResource, raw_key
from zhifa.settings import DBT_PROJECT_DIR, get_settings

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


def test_a_build_of_the_default_warehouse_parses_partially(tmp_path: Path) -> None:
    """The project's parse passes the vars the asset's build passes for the default warehouse, so the build
    (in its own target folder, given the parse's partial_parse.msgpack as dagster-dbt does) re-parses
    nothing; with other vars dbt would re-parse every file. The parse is this test's own: the project's
    target may hold a parse another test's process made for another ZHIFA_HOME."""
    parsed = tmp_path / "parsed" / "manifest.json"
    _parse_once(parsed, parse_args(get_settings().warehouse_path))
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(parsed.with_name("partial_parse.msgpack"), target)
    dbt = subprocess.run(
        [
            _dbt_executable(), "ls", "--quiet", "--vars", warehouse_vars(get_settings().warehouse_path),
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target), "--log-path", str(tmp_path),
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    log = (tmp_path / "dbt.log").read_text(encoding="utf-8")
    assert "Partial parsing enabled, no changes found, skipping parsing" in log, dbt.stdout
    assert "Unable to do partial parsing" not in log
