"""CLI commands of the Superset dashboards: serve them, regenerate the committed bundle, install the venv."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import typer

from cli.failure import fail
from zhifa.settings import get_settings

dashboards_app = typer.Typer(help="Superset dashboards as code.", no_args_is_help=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve_dashboards(
    snapshot: Path | None = typer.Option(None, help="DuckDB snapshot to serve (default: the published one)"),
    port: int | None = typer.Option(None, help="port (default ZHIFA_SUPERSET_PORT or 8088)"),
    no_serve: bool = typer.Option(False, "--no-serve", help="bootstrap and import, then stop"),
) -> None:
    """Bootstrap Superset (own venv, metadata DB, admin, bundle import) and serve it on 127.0.0.1."""
    from dashboards.bootstrap import prepare, publish
    from dashboards.service import SupersetError, SupersetSettings, running

    # SIGTERM (e.g. from `zhifa demo`) unwinds like Ctrl-C, so gunicorn is stopped at any step
    signal.signal(signal.SIGTERM, _interrupt)
    settings = SupersetSettings()
    if port is not None:
        settings.port = port
    path = (snapshot or get_settings().serve_warehouse_path).resolve()
    try:
        inst = prepare(settings, path, log=typer.echo)
        with running(inst) as proc:
            publish(inst, path, log=typer.echo)
            if no_serve:
                return
            typer.echo(f"Superset: {settings.url}/dashboard/list/  login {settings.admin_user}")
            if not settings.admin_password:
                typer.echo(
                    f"password: in {settings.home / 'admin_password'} (or set ZHIFA_SUPERSET_ADMIN_PASSWORD)"
                )
            typer.echo("Ctrl-C stops it.")
            try:
                proc.wait()
            except KeyboardInterrupt:
                typer.echo("stopping Superset")
    except SupersetError as exc:
        fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(code=130) from None


@dashboards_app.command("bundle")
def write_bundle() -> None:
    """Regenerate dashboards/bundle/ from the spec in dashboards/ (commit the result)."""
    from dashboards.bundle import BUNDLE_DIR
    from dashboards.bundle import write_bundle as write

    typer.echo(f"wrote {len(write())} files under {BUNDLE_DIR}")


@dashboards_app.command("install")
def install() -> None:
    """Create or update Superset's own virtualenv from dashboards/requirements.lock."""
    from dashboards.service import SupersetSettings, install_venv

    settings = SupersetSettings()
    changed = install_venv(settings, typer.echo)
    typer.echo(f"Superset venv {'installed' if changed else 'up to date'} at {settings.venv}")


@dashboards_app.command("check")
def check(
    snapshot: Path | None = typer.Option(None, help="DuckDB snapshot (default: the published one)"),
) -> None:
    """Check that the snapshot has every column the dashboards' datasets need (names affected charts)."""
    from dashboards.preflight import check_snapshot

    path = (snapshot or get_settings().serve_warehouse_path).resolve()
    problems = check_snapshot(path)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(code=2)
    typer.echo(f"{path}: every dataset finds its columns")


def register(app: typer.Typer, serve_app: typer.Typer) -> None:
    serve_app.command("dashboards")(serve_dashboards)
    app.add_typer(dashboards_app, name="dashboards")
