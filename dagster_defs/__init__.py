"""The one Dagster code location (``dagster dev -m dagster_defs``).

One module per domain, each exposing ``defs``; ``warehouse`` adds the resource, sensor, jobs and
schedules, and the snapshot asset that runs after everything else.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

import dagster as dg

from dagster_defs import api_store, cases, catalog, dossiers, licensing, reminders, reviews, warehouse
from zhifa.private import UMASK

# `dagster dev` does not go through the `zhifa` command: the warehouse, snapshot and landings it writes
# hold personal data, so they are private to their owner here too
os.umask(UMASK)

domain_defs: list[dg.Definitions] = [
    catalog.defs,
    cases.defs,
    dossiers.defs,
    reviews.defs,
    licensing.defs,
    api_store.defs,
]

# ---- dbt plugs in here ---------------------------------------------------------------------------
# dagster_defs/metrics.py (the metrics issue) exposes `defs = dg.Definitions(assets=[<@dbt_assets>], ...)`
# built from a cached DbtProject; its models then sit between the raw tables and the snapshot.
# Its assets must use pool=WAREHOUSE_POOL (dagster_defs.resources) like every warehouse writer.
if find_spec("dagster_defs.metrics") is not None:
    from dagster_defs import metrics  # type: ignore[attr-defined,unused-ignore]

    domain_defs.append(metrics.defs)
# ---------------------------------------------------------------------------------------------------


def _asset_keys(parts: list[dg.Definitions]) -> list[dg.AssetKey]:
    keys: list[dg.AssetKey] = []
    for part in parts:
        for asset in part.assets or []:
            if isinstance(asset, dg.AssetsDefinition):
                keys.extend(asset.keys)
            elif isinstance(asset, dg.AssetSpec):
                keys.append(asset.key)
    return keys


defs = dg.Definitions.merge(
    *domain_defs, warehouse.defs, warehouse.publish_defs(_asset_keys(domain_defs)), reminders.defs
)
