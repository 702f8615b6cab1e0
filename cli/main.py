"""``zhifa``: the one command line for people. Later issues fill in import/run/serve."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cli import api as api_commands
from cli import dashboards as dashboard_commands
from cli import demo as demo_commands
from cli import pipeline as pipeline_commands
from cli.failure import GuardedTyper, err, fail
from zhifa.private import UMASK
from zhifa.settings import get_settings

app = GuardedTyper(
    help="zhifa 执法: supervision platform for tobacco monopoly enforcement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
serve_app = typer.Typer(
    help="Serve the platform's services.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(serve_app, name="serve")
api_commands.register(app, serve_app)
dashboard_commands.register(app, serve_app)
pipeline_commands.register(app)
app.command()(demo_commands.demo)


@app.callback()
def private_state() -> None:
    """zhifa 执法: supervision platform for tobacco monopoly enforcement."""
    # everything a command creates (stores, snapshots, secrets, logs) is readable by its owner only
    os.umask(UMASK)


@app.command()
def info() -> None:
    """Print where the platform keeps its state and which versions are in use."""
    settings = get_settings()
    for label, path in settings.paths().items():
        typer.echo(f"{label:32} {path}")
    for package in (
        "zhifa",
        "duckdb",
        "dbt-core",
        "dbt-duckdb",
        "dagster",
        "great-expectations",
        "fastapi",
        "pandas",
    ):
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "not installed"
        typer.echo(f"{package:32} {version}")


@app.command()
def generate(
    out: Path = typer.Argument(..., help="folder to create (must be empty or absent)"),
    scale: str = typer.Option("demo", help="demo | province | national"),
    seed: int = typer.Option(42, help="same seed, same bytes"),
    mixed: bool = typer.Option(False, "--mixed", help="mix CSV (UTF-8/BOM/GB18030), XLSX and Parquet"),
    years: int | None = typer.Option(None, help="override the scale's number of years"),
) -> None:
    """Write a deterministic demo world in the CONTRACT.md bulk layout, with ground truth."""
    from generator import GenerateError, generate_world, get_scale

    try:
        chosen = get_scale(scale, years)
    except ValueError as exc:
        fail(str(exc))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not sys.stderr.isatty(),
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done)

        try:
            summary = generate_world(out, chosen, seed, mixed=mixed, progress=progress)
        except GenerateError as exc:
            fail(str(exc))
    rows = ", ".join(f"{k} {v}" for k, v in summary.rows.items())
    typer.echo(f"wrote {summary.out}: {rows}; {summary.files} dossier files")
