"""API store domain: incremental extraction (watermarks on updated time) of what the API stored — cases and
human dossier reviews into the same raw tables as bulk imports, the rest of the review work (rules and rule
sets, machine reviews, dossiers, tasks, sampling draws) into ``raw.api_*``. Off until the API store is in
use: without its database the asset creates the empty ``raw.api_*`` tables and records that there was
nothing to extract."""

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_defs.resources import (
    API_EXTRACT_KEY,
    RESOURCE_KEY,
    TAG_SINCE,
    WAREHOUSE_POOL,
    WarehouseResource,
    raw_key,
)
from ingestion.api_store.tables import OWN_TABLES
from ingestion.raw_schema import ensure_schema
from zhifa.clock import LOCAL
from zhifa.settings import get_settings

GROUP = "api_store"


class ApiStoreConfig(dg.Config):
    database_url: str = ""  # empty: the platform's API store (ZHIFA_DATABASE_URL or ZHIFA_HOME/api.sqlite3)


def _store_exists(url: str) -> bool:
    if not url.startswith("sqlite"):
        return True
    path = url.split("///", 1)[-1]
    return bool(path) and (path == ":memory:" or Path(path).exists())


SPECS = [
    dg.AssetSpec(
        API_EXTRACT_KEY,
        group_name=GROUP,
        kinds={"sqlalchemy", "duckdb"},
        description="Cases and human reviews changed in the API store since the watermarks, into raw.* "
        "(same checks).",
    ),
    *(
        dg.AssetSpec(
            raw_key(name),
            group_name=GROUP,
            kinds={"duckdb"},
            description=f"API-store review work: raw.{name} (a changed row replaces the old one).",
            metadata={"dagster/table_name": f"raw.{name}"},
        )
        for name in OWN_TABLES
    ),
]


@dg.multi_asset(
    specs=SPECS,
    name="api_store_changes",
    pool=WAREHOUSE_POOL,
    required_resource_keys={RESOURCE_KEY},
)
def api_store_changes(
    context: dg.AssetExecutionContext, config: ApiStoreConfig
) -> Iterator[dg.MaterializeResult]:
    from api.db import make_engine
    from ingestion.api_store.extract import extract_review_tables, extract_reviews, extract_to_warehouse

    warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
    url = config.database_url or get_settings().api_database_url
    if not _store_exists(url):
        with warehouse.connect() as con:
            ensure_schema(con)
        yield from _results({"extracted": 0, "note": "no API store yet"}, {})
        return
    since_tag = context.run.tags.get(TAG_SINCE)
    since = datetime.combine(date.fromisoformat(since_tag), time(0), LOCAL) if since_tag else None
    engine = make_engine(url, pool_size=1)
    try:
        with warehouse.connect() as con:
            summary = extract_to_warehouse(con, engine, since=since)
            reviews = extract_reviews(con, engine, since=since)
            changed = extract_review_tables(con, engine, since=since)
    finally:
        engine.dispose()
    loads = [s for s in (summary, reviews) if s is not None]
    meta: dict[str, Any] = {
        "extracted": sum(s.rows_read for s in loads),
        "loaded": sum(s.rows_loaded for s in loads),
        "quarantined": sum(s.rows_quarantined for s in loads),
    }
    meta["load_ids"] = ", ".join(s.load_id for s in loads) or "no case or review change since the watermarks"
    yield from _results(meta, changed)


def _results(meta: dict[str, Any], changed: dict[str, int]) -> Iterator[dg.MaterializeResult]:
    yield dg.MaterializeResult(asset_key=API_EXTRACT_KEY, metadata=meta)
    for name in OWN_TABLES:
        yield dg.MaterializeResult(
            asset_key=raw_key(name), metadata={"rows_new_or_changed": changed.get(name, 0)}
        )


defs = dg.Definitions(assets=[api_store_changes])
