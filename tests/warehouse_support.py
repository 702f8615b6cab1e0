"""Test helper: a warehouse resource under a home folder whose raw tables hold a generated world, loaded
with the bulk loader as an earlier import would have left them (no dbt build yet)."""

from __future__ import annotations

from pathlib import Path

from dagster_defs.resources import WarehouseResource
from ingestion.warehouse import connect, load_folder


def bulk_loaded_warehouse(home: Path, world: Path) -> WarehouseResource:
    resource = WarehouseResource(
        database=str(home / "warehouse.duckdb"),
        serve_database=str(home / "serve" / "warehouse.duckdb"),
        landing=str(home / "landing"),
    )
    con = connect(resource.path)
    try:
        load_folder(con, world, "demo")
    finally:
        con.close()
    return resource
