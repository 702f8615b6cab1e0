"""What every warehouse-writing module shares: the DuckDB resource, the writer pool, asset keys, tags.

Kept apart from ``dagster_defs.warehouse`` so domain modules (and the dbt engineer's
``dagster_defs.metrics``) can import it without import cycles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ingestion.raw_schema import ensure_schema
from ingestion.warehouse import connect
from zhifa.settings import get_settings

# Every asset or check that opens the build warehouse runs in this pool; its limit is 1
# (dagster.yaml: concurrency.pools.default_limit, or `dagster instance concurrency set duckdb_writer 1`).
WAREHOUSE_POOL = "duckdb_writer"
RESOURCE_KEY = "warehouse"

# Run tags the landing sensor, schedules and `zhifa run` set for the import assets.
TAG_LANDINGS = "zhifa/landings"  # comma-separated landing ids to load (default: pending ones)
TAG_REFRESH = "zhifa/refresh"  # "full": replay every landing (idempotent)
TAG_SINCE = "zhifa/since"  # ISO date: API-store extraction from this updated time


# The API-store extraction writes into the raw tables of the cases and dossiers domains before they load.
API_EXTRACT_KEY = dg.AssetKey(["api_store", "changes"])


def raw_key(table: str) -> dg.AssetKey:
    """Asset key of ``raw.<table>``; dbt sources named ``raw`` map onto the same keys."""
    return dg.AssetKey(["raw", table])


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB build warehouse (single writer) and the path of its published snapshot."""

    database: str = ""  # empty: ZHIFA_HOME/warehouse.duckdb
    serve_database: str = ""  # empty: ZHIFA_HOME/serve/warehouse.duckdb
    landing: str = ""  # empty: ZHIFA_HOME/landing

    @property
    def path(self) -> Path:
        return Path(self.database) if self.database else get_settings().warehouse_path

    @property
    def serve_path(self) -> Path:
        return Path(self.serve_database) if self.serve_database else get_settings().serve_warehouse_path

    @property
    def landing_dir(self) -> Path:
        return Path(self.landing) if self.landing else get_settings().landing_dir

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection with every raw and ops table present; closed on exit."""
        con = connect(self.path)
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()
