"""Shape of the Dagster code location: keys other modules rely on, the single-writer pool, schedules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

import dagster_defs
from dagster_defs import defs
from dagster_defs.resources import RESOURCE_KEY, WAREHOUSE_POOL
from dagster_defs.warehouse import PUBLISH_KEY
from ingestion.contract import TABLE_LOAD_ORDER


def test_every_contract_table_is_an_asset_and_the_snapshot_comes_last() -> None:
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    raw = {dg.AssetKey(["raw", t]) for t in TABLE_LOAD_ORDER}
    assert raw <= keys
    upstream = graph.get(PUBLISH_KEY).parent_keys
    assert raw <= upstream
    assert dg.AssetKey(["raw", "document_fields"]) in upstream


def test_every_warehouse_user_is_in_the_writer_pool() -> None:
    ops = [a.op for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    ops += [c.op for c in defs.asset_checks or []]
    users = [op for op in ops if RESOURCE_KEY in op.required_resource_keys]
    assert len(users) >= 10
    assert all(op.pool == WAREHOUSE_POOL for op in users), [
        op.name for op in users if op.pool != WAREHOUSE_POOL
    ]


def test_schedules_and_sensor() -> None:
    repo = defs.get_repository_def()
    nightly = repo.get_schedule_def("nightly_full_refresh")
    hourly = repo.get_schedule_def("hourly_api_refresh")
    assert nightly.default_status == dg.DefaultScheduleStatus.RUNNING
    assert hourly.default_status == dg.DefaultScheduleStatus.STOPPED  # off until the API store is in use
    assert repo.get_sensor_def("landing_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def test_landing_sensor_requests_one_run_per_new_landing(tmp_path: Path) -> None:
    from dagster_defs.resources import TAG_LANDINGS, WarehouseResource
    from dagster_defs.warehouse import landing_sensor
    from ingestion.landing import land

    source = tmp_path / "export"
    source.mkdir()
    (source / "units.csv").write_text(
        "unit_code,name,level\n410000,河南省烟草专卖局,province\n", encoding="utf-8"
    )
    resource = WarehouseResource(landing=str(tmp_path / "landing"))
    first, second = (land(source, resource.landing_dir, 1 << 20) for _ in range(2))
    context = dg.build_sensor_context(resources={RESOURCE_KEY: resource})
    result = landing_sensor(context)
    assert isinstance(result, dg.SensorResult)
    assert [r.tags[TAG_LANDINGS] for r in result.run_requests or []] == [first.landing_id, second.landing_id]
    assert result.cursor == second.landing_id
    again = landing_sensor(dg.build_sensor_context(cursor=result.cursor, resources={RESOURCE_KEY: resource}))
    assert isinstance(again, dg.SensorResult) and not again.run_requests
    assert (first.path / "units.csv").is_file()  # the landing is a self-contained copy


def test_a_load_only_run_picks_the_import_domains_without_importing_dbt() -> None:
    assert "defs" in dir(dagster_defs)  # how `dagster dev -m dagster_defs` finds the lazily built location
    keys = dagster_defs.load_defs().resolve_asset_graph().get_all_asset_keys()
    assert {dg.AssetKey(["raw", t]) for t in TABLE_LOAD_ORDER} <= keys
    marts = {k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and not keys & marts
    code = "import sys, dagster_defs.runner as r, dagster_defs as d; d.load_defs(); print(sorted(m for m in "
    code += "sys.modules if m.split('.')[0] in ('dbt', 'dagster_dbt', 'great_expectations')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
