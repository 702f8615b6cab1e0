"""API store domain: incremental extraction (watermark on ``cases.updated_at``) of what the case-capture
API stored, into the same raw tables as bulk imports. Off until the API store is in use: without its
database the asset records that there was nothing to extract."""

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from dagster_defs.resources import API_EXTRACT_KEY, RESOURCE_KEY, TAG_SINCE, WAREHOUSE_POOL, WarehouseResource
from zhifa.settings import get_settings

GROUP = "api_store"


def _store_exists(url: str) -> bool:
    if not url.startswith("sqlite"):
        return True
    path = url.split("///", 1)[-1]
    return bool(path) and (path == ":memory:" or Path(path).exists())


@dg.asset(
    key=API_EXTRACT_KEY,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    required_resource_keys={RESOURCE_KEY},
    kinds={"sqlalchemy", "duckdb"},
    description="Cases changed in the API store since the watermark, loaded into raw.* (same checks).",
)
def api_store_changes(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from api.db import make_engine
    from ingestion.api_extract import extract_to_warehouse

    url = get_settings().api_database_url
    if not _store_exists(url):
        return dg.MaterializeResult(metadata={"extracted": 0, "note": "no API store yet"})
    since_tag = context.run.tags.get(TAG_SINCE)
    since = (
        datetime.combine(date.fromisoformat(since_tag), time(0), ZoneInfo("Asia/Shanghai"))
        if since_tag
        else None
    )
    warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
    engine = make_engine(url, pool_size=1)
    try:
        with warehouse.connect() as con:
            summary = extract_to_warehouse(con, engine, since=since)
    finally:
        engine.dispose()
    if summary is None:
        return dg.MaterializeResult(metadata={"extracted": 0, "note": "no change since the watermark"})
    return dg.MaterializeResult(
        metadata={
            "load_id": summary.load_id,
            "extracted": summary.rows_read,
            "loaded": summary.rows_loaded,
            "quarantined": summary.rows_quarantined,
        }
    )


defs = dg.Definitions(assets=[api_store_changes])
