"""CLI commands for the case-capture API: serve it, create logins, load the catalog, verify the audit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlalchemy.orm import Session

from cli.failure import fail
from zhifa.settings import get_settings

if TYPE_CHECKING:
    from api.models import User

users_app = typer.Typer(help="Logins of the case-capture API.", no_args_is_help=True)
catalog_app = typer.Typer(help="Units, officers, products and prices in the API store.", no_args_is_help=True)
audit_app = typer.Typer(help="The API's append-only, hash-chained audit log.", no_args_is_help=True)


def require_audit_key() -> None:
    """Every write to the API store is audited, and so is every check of it: both need the chain's key."""
    if not get_settings().audit_secret:
        fail("set ZHIFA_SECRET_KEY (or ZHIFA_AUDIT_KEY): it keys the API store's audit chain")


@contextmanager
def api_session() -> Iterator[Session]:
    """A migrated session on the API store (ZHIFA_DATABASE_URL, default SQLite under ZHIFA_HOME)."""
    from api.capture.services.clock_store import session_factory
    from api.db import make_engine, upgrade

    settings = get_settings()
    require_audit_key()
    engine = make_engine(settings.api_database_url, pool_size=1)
    try:
        upgrade(engine)
        with session_factory(engine, settings.audit_secret, settings.audit_checkpoints_path)() as session:
            yield session
    finally:
        engine.dispose()


def serve_api(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, help="port"),
    warm_ocr: bool = typer.Option(True, help="load and run the OCR models once while the server starts"),
) -> None:
    """Serve the case-capture API (needs ZHIFA_SECRET_KEY)."""
    import threading

    import uvicorn

    if not get_settings().secret_key:
        fail("set ZHIFA_SECRET_KEY (it signs the login tokens)")
    if warm_ocr:  # the models stay loaded in this process: the first scanned upload is not the slow one
        from ingestion.recognition.ocr import warm_up

        threading.Thread(target=warm_up, name="ocr-warm-up", daemon=True).start()
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port)


@users_app.command("create")
def create_user(
    username: str,
    unit_code: str = typer.Option(..., "--unit", help="the user's unit code"),
    roles: str = typer.Option(
        ..., help="';'-separated: officer, approver, legal_reviewer, reviewer, quality, manager, admin"
    ),
    officer_id: str | None = typer.Option(None, "--officer", help="the officer this login belongs to"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, envvar="ZHIFA_NEW_PASSWORD"
    ),
) -> None:
    """Create a login."""
    from api.core.errors import DomainError
    from api.platform.services.users import create_user as create

    with api_session() as session:
        try:
            user = create(session, username, password, unit_code, roles, officer_id)
        except DomainError as exc:
            fail(exc.message)
        session.commit()
        typer.echo(f"created user {user.username} ({user.roles}) in unit {user.unit_code}")
        _follow_in_dashboards(session)


def _follow_in_dashboards(session: Session) -> None:
    """The dashboards' accounts follow the API's users (one place: cli.dashboards.sync_users)."""
    from cli.dashboards import sync_users_if_set_up

    sync_users_if_set_up(session)


def _change_user(what: str, change: Callable[[Session], User]) -> None:
    from api.core.errors import DomainError

    with api_session() as session:
        try:
            user = change(session)
        except DomainError as exc:
            fail(exc.message)
        session.commit()
        typer.echo(f"{what} user {user.username} ({user.roles}, {'active' if user.active else 'disabled'})")
        _follow_in_dashboards(session)


@users_app.command("disable")
def disable_user(username: str) -> None:
    """Disable a login: no API access, no dashboards sign-in (its Superset account is disabled too)."""
    from api.platform.services.users import set_active

    _change_user("disabled", lambda session: set_active(session, username, False))


@users_app.command("enable")
def enable_user(username: str) -> None:
    """Enable a disabled login again."""
    from api.platform.services.users import set_active

    _change_user("enabled", lambda session: set_active(session, username, True))


@users_app.command("roles")
def set_user_roles(
    username: str,
    roles: str = typer.Option(..., help="';'-separated, replacing the user's roles"),
) -> None:
    """Change a login's roles (and so its dashboards scope)."""
    from api.platform.services.users import set_roles

    _change_user("re-roled", lambda session: set_roles(session, username, roles))


@catalog_app.command("load")
def load_catalog(folder: Path) -> None:
    """Load units, officers, products and prices from a bulk folder (CONTRACT.md) into the API store."""
    from api.capture.services.catalog import load_catalog as load

    with api_session() as session:
        report = load(session, folder)
        session.commit()
    for table, count in report.loaded.items():
        typer.echo(f"{table}: {count} rows")
    for line in report.rejected:
        typer.echo(f"rejected {line}", err=True)


@audit_app.command("verify")
def verify_audit() -> None:
    """Check the audit chain; exits non-zero when any entry was edited or deleted."""
    from api.platform.services.audit import verify_database

    settings = get_settings()
    require_audit_key()
    report = verify_database(
        settings.api_database_url, settings.audit_secret, settings.audit_checkpoints_path
    )
    typer.echo(f"{report.entries} audit entries checked against {report.checkpoints} signed checkpoints")
    for problem in report.problems:
        typer.echo(f"problem: {problem}", err=True)
    if not report.ok:
        raise typer.Exit(code=1)


def register(app: typer.Typer, serve_app: typer.Typer) -> None:
    serve_app.command("api")(serve_api)
    app.add_typer(users_app, name="users")
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(audit_app, name="audit")
