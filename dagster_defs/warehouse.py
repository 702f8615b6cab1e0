"""Warehouse-wide definitions: the DuckDB resource, the landing sensor, jobs and schedules, and the
asset that publishes the serving snapshot once everything upstream of it has been built."""

from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from dagster_defs.resources import (
    RESOURCE_KEY,
    TAG_LANDINGS,
    TAG_REFRESH,
    WAREHOUSE_POOL,
    WarehouseResource,
)
from ingestion.landing import list_landings
from ingestion.snapshot import publish_snapshot
from zhifa.clock import LOCAL_TIMEZONE
from zhifa.private import private_file
from zhifa.settings import get_settings

API_GROUP = "api_store"
PUBLISH_KEY = dg.AssetKey(["serve", "warehouse_snapshot"])

# Everything but the API-store extraction: what a bulk landing (or the nightly refresh) rebuilds.
bulk_selection = dg.AssetSelection.all() - dg.AssetSelection.groups(API_GROUP)
import_job = dg.define_asset_job(
    "import_job", selection=bulk_selection, description="Load landed imports, rebuild marts, publish."
)
full_refresh_job = dg.define_asset_job(
    "full_refresh_job",
    selection=bulk_selection,
    tags={TAG_REFRESH: "full"},
    description="Replay every landing (idempotent), rebuild marts, publish.",
)
api_refresh_job = dg.define_asset_job(
    "api_refresh_job",
    selection=dg.AssetSelection.groups(API_GROUP).downstream().required_multi_asset_neighbors(),
    description="Extract what the API store changed since the last watermark, rebuild marts, publish.",
)

nightly_full_refresh = dg.ScheduleDefinition(
    name="nightly_full_refresh",
    job=full_refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone=LOCAL_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
hourly_api_refresh = dg.ScheduleDefinition(
    name="hourly_api_refresh",
    job=api_refresh_job,
    cron_schedule="15 * * * *",
    execution_timezone=LOCAL_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,  # turn on once the API store is in use
)


@dg.sensor(job=import_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """One run per new landing (`zhifa import` puts them there), in arrival order."""
    cursor = context.cursor or ""
    new = [landing for landing in list_landings(warehouse.landing_dir) if landing.landing_id > cursor]
    requests = [
        dg.RunRequest(run_key=landing.landing_id, tags={TAG_LANDINGS: landing.landing_id}) for landing in new
    ]
    return dg.SensorResult(run_requests=requests, cursor=new[-1].landing_id if new else cursor)


def _sorted_keys(keys: Iterable[dg.AssetKey]) -> list[dg.AssetKey]:
    return sorted(set(keys), key=lambda k: k.to_user_string())


AUDIT_CHECKPOINTS_COPY = "audit-checkpoints.jsonl"


def copy_audit_checkpoints(source: Path, serve_dir: Path) -> int:
    """A second copy of the API's signed audit checkpoints next to the published snapshot (issue #12): a
    tail cut in the API store is still caught if the API host's own file is lost. Returns the lines copied."""
    if not source.exists():
        return 0
    data = source.read_bytes()
    target = private_file(serve_dir / AUDIT_CHECKPOINTS_COPY)
    tmp = target.with_suffix(".tmp")
    private_file(tmp).write_bytes(data)
    tmp.replace(target)  # atomic, like the snapshot
    return data.count(b"\n")


def publish_defs(upstream: Iterable[dg.AssetKey]) -> dg.Definitions:
    """The snapshot asset, downstream of ``upstream`` (raw tables, dbt models, recognition...)."""

    @dg.asset(
        key=PUBLISH_KEY,
        deps=_sorted_keys(upstream),
        group_name="warehouse",
        pool=WAREHOUSE_POOL,
        required_resource_keys={RESOURCE_KEY},
        kinds={"duckdb"},
        description="Read-only serving copy (marts, reference data, load summaries; no raw personal data).",
    )
    def warehouse_snapshot(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
        with warehouse.connect() as con:
            info = publish_snapshot(con, warehouse.serve_path)
        checkpoints = copy_audit_checkpoints(
            get_settings().audit_checkpoints_path, warehouse.serve_path.parent
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(info.path)),
                "bytes": info.bytes,
                "tables": dg.MetadataValue.json(info.tables),
                "views": dg.MetadataValue.json(info.views),
                "audit checkpoints copied": checkpoints,
            }
        )

    return dg.Definitions(assets=[warehouse_snapshot])


defs = dg.Definitions(
    resources={RESOURCE_KEY: WarehouseResource()},
    jobs=[import_job, full_refresh_job, api_refresh_job],
    schedules=[nightly_full_refresh, hourly_api_refresh],
    sensors=[landing_sensor],
)
