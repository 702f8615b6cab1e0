"""Factories the domain modules share: one import multi-asset and one check op per domain.

A domain's import loads its contract tables from the landing area into ``raw.<table>`` (parents
first, foreign keys checked against what is already in the warehouse); its checks run the Great
Expectations suite of each table and flag files that could not be read.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb

from dagster_defs.resources import (
    API_EXTRACT_KEY,
    RESOURCE_KEY,
    TAG_LANDINGS,
    TAG_REFRESH,
    WAREHOUSE_POOL,
    WarehouseResource,
    raw_key,
)
from ingestion.contract import CONTRACT, TABLE_LOAD_ORDER
from ingestion.landing import load_landings
from ingestion.raw_schema import LoadSummary, raw_columns
from ingestion.warehouse import BadShareError

# contract tables the API-store extraction also writes (cases and their children; human dossier reviews)
API_TABLES = frozenset(
    {"cases", "case_items", "case_officers", "approvals", "documents", "reviews", "review_items"}
)


def _ordered(tables: Sequence[str]) -> list[str]:
    unknown = set(tables) - set(CONTRACT)
    if unknown:
        raise ValueError(f"not contract tables: {sorted(unknown)}")
    return [t for t in TABLE_LOAD_ORDER if t in tables]


def _schema(table: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, sql) for name, sql in raw_columns(table)])


def _spec(domain: str, table: str, own: Sequence[str]) -> dg.AssetSpec:
    parents = {fk.ref_table for fk in CONTRACT[table].foreign_keys} - set(own)
    upstream = [raw_key(p) for p in sorted(parents)]
    if table in API_TABLES:  # the API store's changes land in these tables first
        upstream.append(API_EXTRACT_KEY)
    return dg.AssetSpec(
        raw_key(table),
        group_name=domain,
        description=f"Contract table `{table}`: good rows in raw.{table}, bad ones in ops.quarantine.",
        deps=upstream,
        kinds={"duckdb"},
        metadata={"dagster/column_schema": _schema(table), "dagster/table_name": f"raw.{table}"},
    )


def _requested_landings(tags: Mapping[str, str]) -> tuple[list[str] | None, bool]:
    ids = [i.strip() for i in tags.get(TAG_LANDINGS, "").split(",") if i.strip()]
    return (ids or None), tags.get(TAG_REFRESH) == "full"


def _table_metadata(con: duckdb.DuckDBPyConnection, table: str, loads: list[LoadSummary]) -> dict[str, Any]:
    row = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()
    meta: dict[str, Any] = {"dagster/row_count": int(row[0]) if row else 0}
    mine = [s.tables[table] for s in loads if table in s.tables]
    errors = [e.message for s in loads for e in s.file_errors if e.table == table]
    if mine:
        meta |= {
            "loads": ", ".join(s.load_id for s in loads if table in s.tables),
            "source_files": ", ".join(sorted({t.source_file for t in mine})),
            "rows_read": sum(t.rows_read for t in mine),
            "rows_loaded": sum(t.rows_loaded for t in mine),
            "rows_quarantined": sum(t.rows_quarantined for t in mine),
            "rows_new": sum(t.rows_new for t in mine),
            "rows_changed": sum(t.rows_changed for t in mine),
            "quarantine_reasons": dg.MetadataValue.json(_merge_reasons(t.reasons for t in mine)),
            "aliases_rewritten": dg.MetadataValue.json(_merge_reasons(t.aliases for t in mine)),
        }
    if errors:
        meta["file_errors"] = dg.MetadataValue.md("\n".join(f"- {e}" for e in errors))
    return meta


def _merge_reasons(parts: Any) -> dict[str, int]:
    merged: dict[str, int] = {}
    for reasons in parts:
        for code, n in reasons.items():
            merged[code] = merged.get(code, 0) + n
    return merged


def import_assets(domain: str, tables: Sequence[str]) -> dg.AssetsDefinition:
    """The multi-asset loading ``tables`` (raw.<table> each) for one domain."""
    own = _ordered(tables)

    @dg.multi_asset(
        name=f"{domain}_import",
        specs=[_spec(domain, t, own) for t in own],
        pool=WAREHOUSE_POOL,
        required_resource_keys={RESOURCE_KEY},
        description=f"Load the {domain} tables of landed imports into the warehouse.",
    )
    def _import(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
        warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
        only, replay_all = _requested_landings(context.run.tags)
        with warehouse.connect() as con:
            try:
                loads = load_landings(con, warehouse.landing_dir, own, only=only, replay_all=replay_all)
            except BadShareError as exc:
                raise dg.Failure(description=str(exc)) from exc
            for load in loads:
                context.log.info(
                    f"load {load.load_id}: {load.rows_read} rows read, {load.rows_loaded} loaded, "
                    f"{load.rows_quarantined} quarantined"
                )
                for error in load.file_errors:
                    context.log.error(error.message)
            for table in own:
                yield dg.MaterializeResult(
                    asset_key=raw_key(table), metadata=_table_metadata(con, table, loads)
                )

    return _import


# --- checks -----------------------------------------------------------------------------------------
def _latest_file_errors(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """File errors of the most recent load that touched ``table`` (a later good load clears them)."""
    rows = con.execute(
        """WITH touched AS (
            SELECT load_id FROM ops.load_summary WHERE table_name = $t
            UNION SELECT load_id FROM ops.file_errors WHERE table_name = $t)
        SELECT message FROM ops.file_errors
        WHERE table_name = $t AND load_id = (SELECT max(load_id) FROM touched)""",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows]


def _api_extracted_here(context: dg.AssetCheckExecutionContext) -> bool:
    """Whether this run's API-store extraction read any row (it writes into the API tables)."""
    event = context.instance.get_latest_materialization_event(API_EXTRACT_KEY)
    if event is None or event.run_id != context.run.run_id or event.asset_materialization is None:
        return False
    value = event.asset_materialization.metadata.get("extracted")
    return bool(getattr(value, "value", 0))


def _last_loads(context: dg.AssetCheckExecutionContext, table: str) -> list[str] | None:
    """Load ids whose rows the check covers: those of the table's latest materialization; none when that
    was this run's and it loaded nothing (a landing without the table: its rows were checked when they
    were loaded) and no API-store extraction wrote into it in this run; None (the whole table) otherwise."""
    event = context.instance.get_latest_materialization_event(raw_key(table))
    materialization = event.asset_materialization if event else None
    value = materialization.metadata.get("loads") if materialization else None
    text = getattr(value, "value", None)
    if text:
        return [i for i in str(text).split(", ") if i]
    untouched = event is not None and event.run_id == context.run.run_id
    if untouched and not (table in API_TABLES and _api_extracted_here(context)):
        return []
    return None


def _scope(loads: list[str] | None) -> str:
    if loads is None:
        return "whole table"
    return f"rows of loads {', '.join(loads)}" if loads else "no rows loaded by this run"


def contract_checks(domain: str, tables: Sequence[str]) -> dg.AssetChecksDefinition:
    """Per table: the GX contract suite on raw.<table>, and "the last file given for it was readable"."""
    own = _ordered(tables)
    specs = [
        spec
        for t in own
        for spec in (
            dg.AssetCheckSpec("contract_suite", asset=raw_key(t), description="Great Expectations suite"),
            dg.AssetCheckSpec("readable_file", asset=raw_key(t), description="last file could be read"),
        )
    ]

    @dg.multi_asset_check(
        name=f"{domain}_checks",
        specs=specs,
        pool=WAREHOUSE_POOL,
        required_resource_keys={RESOURCE_KEY},
    )
    def _checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        # GX costs seconds to import: only when a suite has rows to check
        from expectations.runner import SuiteOutcome, run_table_suite

        warehouse: WarehouseResource = getattr(context.resources, RESOURCE_KEY)
        with warehouse.connect() as con:
            for table in own:
                # the rows this run's loads wrote (new or changed); the rest was checked when it was loaded
                loads = _last_loads(context, table)
                nothing = SuiteOutcome(suite=f"raw_{table}", success=True, evaluated=0)
                outcome = nothing if loads == [] else run_table_suite(con, table, loads)
                yield dg.AssetCheckResult(
                    asset_key=raw_key(table),
                    check_name="contract_suite",
                    passed=outcome.success,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={
                        "scope": _scope(loads),
                        "rows_checked": outcome.rows_checked,
                        "suite": outcome.suite,
                        "expectations": outcome.evaluated,
                        "failed": dg.MetadataValue.json(json.loads(json.dumps(outcome.failed, default=str))),
                    },
                )
                errors = _latest_file_errors(con, table)
                yield dg.AssetCheckResult(
                    asset_key=raw_key(table),
                    check_name="readable_file",
                    passed=not errors,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description="\n".join(errors) or None,
                    metadata={"errors": len(errors)},
                )

    return _checks


def domain_defs(domain: str, tables: Sequence[str]) -> dg.Definitions:
    return dg.Definitions(
        assets=[import_assets(domain, tables)], asset_checks=[contract_checks(domain, tables)]
    )
