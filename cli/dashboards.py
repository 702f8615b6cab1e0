"""CLI commands of the Superset dashboards: serve them, regenerate the committed bundle, install the venv."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer

from cli.failure import fail
from zhifa.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from dashboards.access import Account
    from dashboards.service import Instance

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
            _sync_from_store(inst)
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


def accounts_from_store(session: Session) -> list[Account]:
    """Every API user as a dashboards account: active flag, and the unit scope its roles give it."""
    from sqlalchemy import select

    from api.models import User
    from api.platform.services.users import SUBTREE_ROLES, visible_units
    from dashboards.access import Account

    accounts = []
    for user in session.scalars(select(User).order_by(User.username)):
        units = visible_units(session, user)
        key = user.unit_code if user.role_set & SUBTREE_ROLES else f"{user.unit_code}.own"
        accounts.append(
            Account(
                user.username,
                user.username,
                user.active,
                None if units is None else frozenset(units),
                None if units is None else key,
            )
        )
    return accounts


def sync_users(session: Session, inst: Instance) -> dict[str, Any]:
    from dashboards.access import sync_accounts

    return sync_accounts(inst, accounts_from_store(session))


def _echo_report(report: dict[str, Any]) -> None:
    typer.echo(
        "dashboards accounts: "
        + ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in report.items())
    )


def _sync_from_store(inst: Instance) -> None:
    """At `zhifa serve dashboards`: accounts follow the API store when there is one to follow."""
    from cli.api import api_session

    settings = get_settings()
    has_store = settings.database_url or (settings.home_dir / "api.sqlite3").exists()
    if not has_store or not settings.audit_secret:
        typer.echo("no API store here (or no ZHIFA_SECRET_KEY): only Superset's admin can sign in")
        return
    with api_session() as session:
        _echo_report(sync_users(session, inst))


def sync_users_if_set_up(session: Session) -> None:
    """Called by `zhifa users …`: sync when Superset has been set up here, else say how it will be."""
    from dashboards.service import SupersetError, SupersetSettings, configure

    settings = SupersetSettings()
    if not settings.bin("python").exists() or not (
        settings.database_url or (settings.home / "superset.db").exists()
    ):
        typer.echo("dashboards not set up here: `zhifa serve dashboards` syncs the accounts when it starts")
        return
    try:
        _echo_report(sync_users(session, configure(settings)))
    except SupersetError as exc:
        fail(exc)


@dashboards_app.command("sync-users")
def sync_users_command() -> None:
    """Make Superset's accounts follow the API's users (created, re-roled, disabled; unit-scoped rows)."""
    from cli.api import api_session
    from dashboards.service import SupersetError, SupersetSettings, configure

    try:
        inst = configure(SupersetSettings())
        with api_session() as session:
            _echo_report(sync_users(session, inst))
    except SupersetError as exc:
        fail(exc)


def register(app: typer.Typer, serve_app: typer.Typer) -> None:
    serve_app.command("dashboards")(serve_dashboards)
    app.add_typer(dashboards_app, name="dashboards")
