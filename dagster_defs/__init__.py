"""The one Dagster code location (``dagster dev -m dagster_defs``).

One module per domain, each exposing ``defs``; ``warehouse`` adds the resource, sensor, jobs and
schedules, and the snapshot asset that runs after everything else.

``defs`` is built on first use (``dagster dev`` finds it through ``dir()``): importing
``dagster_defs.runner`` for a load-only run (``load_defs``) then never imports dbt, which is most of
the start-up of a small load.
"""

from __future__ import annotations

import os
from functools import cache
from importlib.util import find_spec

import dagster as dg

from zhifa.private import UMASK

# `dagster dev` does not go through the `zhifa` command: the warehouse, snapshot and landings it writes
# hold personal data, so they are private to their owner here too
os.umask(UMASK)


def _domain_defs() -> list[dg.Definitions]:
    from dagster_defs import api_store, cases, catalog, dossiers, licensing, reviews

    return [catalog.defs, cases.defs, dossiers.defs, reviews.defs, licensing.defs, api_store.defs]


@cache
def load_defs() -> dg.Definitions:
    """The import domains alone (raw tables and their checks, the API-store extraction): no dbt."""
    from dagster_defs import warehouse

    return dg.Definitions.merge(*_domain_defs(), dg.Definitions(resources=warehouse.defs.resources))


@cache
def _all_defs() -> dg.Definitions:
    from dagster_defs import reminders, warehouse

    domains = _domain_defs()
    # ---- dbt plugs in here -----------------------------------------------------------------------
    # dagster_defs/metrics.py (the metrics issue) exposes `defs = dg.Definitions(assets=[<@dbt_assets>])`
    # built from a cached DbtProject; its models then sit between the raw tables and the snapshot.
    # Its assets must use pool=WAREHOUSE_POOL (dagster_defs.resources) like every warehouse writer.
    if find_spec("dagster_defs.metrics") is not None:
        from dagster_defs import metrics  # type: ignore[attr-defined,unused-ignore]

        domains.append(metrics.defs)
    # -----------------------------------------------------------------------------------------------
    return dg.Definitions.merge(
        *domains, warehouse.defs, warehouse.publish_defs(_asset_keys(domains)), reminders.defs
    )


def _asset_keys(parts: list[dg.Definitions]) -> list[dg.AssetKey]:
    keys: list[dg.AssetKey] = []
    for part in parts:
        for asset in part.assets or []:
            if isinstance(asset, dg.AssetsDefinition):
                keys.extend(asset.keys)
            elif isinstance(asset, dg.AssetSpec):
                keys.append(asset.key)
    return keys


def __getattr__(name: str) -> dg.Definitions:
    if name == "defs":
        return _all_defs()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "defs"])
