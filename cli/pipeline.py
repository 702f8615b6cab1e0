"""CLI commands of the data pipeline: import a bulk folder, run the pipeline, export the quarantine."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.failure import fail
from zhifa.settings import get_settings

if TYPE_CHECKING:  # dagster costs seconds to import: only when a command needs it
    import dagster as dg

quarantine_app = typer.Typer(help="Rows that broke the contract, for clerks to fix.", no_args_is_help=True)


def import_(path: Path = typer.Argument(..., help="contract folder or .zip")) -> None:
    """Copy a bulk folder or .zip into the landing area; the landing sensor or `zhifa run` loads it."""
    from ingestion.landing import land
    from ingestion.readers import TableReadError

    settings = get_settings()
    try:
        landing = land(path, settings.landing_dir, settings.max_import_unzipped_bytes)
    except TableReadError as exc:
        fail(str(exc))
    typer.echo(f"landed {landing.source} as {landing.landing_id} ({landing.path})")
    typer.echo("load it with `zhifa run` (or let the landing sensor of `dagster dev` pick it up)")


def run(
    since: str | None = typer.Option(None, help="YYYY-MM-DD: re-extract API-store changes from this date"),
    full: bool = typer.Option(False, "--full", help="replay every landing (idempotent)"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="show Dagster's step log"),
) -> None:
    """Run the pipeline once in this process: pending landings, API store, checks, marts, snapshot."""
    start = None
    if since:
        try:
            start = date.fromisoformat(since)
        except ValueError:
            fail(f"--since: not a date (YYYY-MM-DD): {since}")
    from zhifa import pseudonym, scorecard

    try:
        scorecard.check_seed()
    except scorecard.ScorecardComponentsError as exc:
        fail(str(exc))
    settings = get_settings()
    try:
        created = pseudonym.resolve(settings)[1]
    except pseudonym.PseudonymKeyError as exc:
        fail(str(exc))
    if created:
        typer.echo(
            f"generated a pseudonym key in {settings.pseudonym_key_path} (0600): keep it with the warehouse, "
            "the same key keeps the same pseudonyms (or set ZHIFA_PSEUDONYM_KEY)"
        )
    import dagster as dg

    from dagster_defs.runner import run_pipeline

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    began = time.monotonic()
    result = run_pipeline(
        since=start, full_refresh=full, instance=instance, log_level="DEBUG" if verbose else "ERROR"
    )
    finish(result, time.monotonic() - began)


def finish(result: dg.ExecuteInProcessResult, seconds: float) -> None:
    """Print the run's summary; exit 1 with one bilingual line when a blocking check or a step failed.

    Whatever failed, what the run stored stays (rejects in the quarantine, the last published
    snapshot): the exit code only tells the operator, or a scheduler, to look.
    """
    from dagster_defs.runner import failure_line, run_problems

    _print_summary(result, seconds)
    problems = run_problems(result)
    if problems or not result.success:
        fail(failure_line(problems or ["运行失败 / run failed"]), code=1)


def _print_summary(result: object, seconds: float) -> None:
    import dagster as dg

    assert isinstance(result, dg.ExecuteInProcessResult)
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        line = f"{mat.asset_key.to_user_string():34} rows {meta.get('dagster/row_count', '-')}"
        if "rows_read" in meta:
            line += (
                f"  (this run: read {meta['rows_read']}, loaded {meta['rows_loaded']}, "
                f"quarantined {meta['rows_quarantined']}, new {meta['rows_new']}, "
                f"changed {meta['rows_changed']})"
            )
        typer.echo(line)
        aliases = meta.get("aliases_rewritten")
        for alias, n in (aliases if isinstance(aliases, dict) else {}).items():
            typer.echo(f"{'':36}别名 / alias {alias}: {n} rows")
    checks = result.get_asset_check_evaluations()
    typer.echo(f"checks: {sum(c.passed for c in checks)} passed, {sum(not c.passed for c in checks)} failed")
    for check in checks:
        if not check.passed:
            typer.echo(
                f"check failed: {check.asset_key.to_user_string()} {check.check_name}: "
                f"{check.description or ''}"
            )
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            typer.echo(
                f"step failed: {event.step_key}: {event.step_failure_data.error_display_string[:2000]}"
            )
    typer.echo(f"{'ok' if result.success else 'FAILED'} in {seconds:.1f} s")


@quarantine_app.command("export")
def quarantine_export(
    out: Path = typer.Argument(..., help="OUT.csv or OUT.xlsx"),
    table: str | None = typer.Option(None, help="only this contract table"),
    load: str | None = typer.Option(None, help="only this load id"),
) -> None:
    """Write every quarantined row (reasons in Chinese and English, values as received)."""
    import duckdb

    from ingestion.quarantine import export_quarantine
    from ingestion.warehouse import connect

    path = get_settings().warehouse_path
    if not path.exists():
        fail(f"no warehouse yet at {path}: run `zhifa run` first")
    try:
        con = connect(path, read_only=True)
    except duckdb.IOException as exc:
        fail(
            f"仓库正被流水线使用，请稍后再试 / the pipeline is writing the warehouse, try again later ({exc})"
        )
    try:
        count = export_quarantine(con, out, table, load)
    except duckdb.CatalogException:
        fail(f"no load recorded yet in {path}: run `zhifa run` first")
    except ValueError as exc:
        fail(str(exc))
    finally:
        con.close()
    typer.echo(f"wrote {count} quarantined rows to {out}")


def register(app: typer.Typer) -> None:
    app.command(name="import")(import_)
    app.command()(run)
    app.add_typer(quarantine_app, name="quarantine")
