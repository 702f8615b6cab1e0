"""``zhifa demo``: the whole platform on the embedded demo world, left running until Ctrl-C.

Generate the world (once) → land it → run the pipeline in-process (import, checks, marts, snapshot)
→ load the catalog and demo logins into the API store → serve the API, the Dagster UI and, when its
environment is installed, Superset; print the addresses and logins.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer

from zhifa.settings import get_settings

DEMO_PASSWORD_FILE = "demo-password.txt"
# demo logins: (username, unit, roles, officer) — the generator's officer 001 heads each unit
DEMO_USERS = [("admin", "410000", "admin", None), ("manager", "410000", "manager;approver", "O410000001")]


def _secret(home: Path, name: str) -> str:
    """A secret kept under ZHIFA_HOME so restarts reuse it (the environment wins when set)."""
    path = home / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _prepare(seed: int) -> tuple[Path, str]:
    from ingestion.landing import land
    from zhifa.generator import generate_world, get_scale

    settings = get_settings()
    home = settings.home_dir
    world = home / "demo-world"
    if not world.exists():
        typer.echo("generating the demo world …")
        generate_world(world, get_scale("demo"), seed)
    if not settings.serve_warehouse_path.exists():
        land(world, settings.landing_dir, settings.max_import_unzipped_bytes)
        typer.echo("running the pipeline (import, checks, marts, snapshot) …")
        from dagster_defs.runner import run_pipeline

        result = run_pipeline(log_level="ERROR")
        if not result.success:
            raise typer.Exit(code=1)
    password = os.environ.get("ZHIFA_DEMO_PASSWORD") or _secret(home, DEMO_PASSWORD_FILE)
    _load_api_store(world, password)
    return home, password


def _load_api_store(world: Path, password: str) -> None:
    from sqlalchemy import select

    from api.models import User
    from api.services.catalog import load_catalog
    from api.services.users import create_user
    from zhifa.commands.api import api_session

    with api_session() as session:
        load_catalog(session, world)
        users = list(DEMO_USERS)
        if (field := _field_officer(session)) is not None:
            users.append(("officer", field.unit_code, "officer", field.officer_id))
        for username, unit, roles, officer in users:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(session, username, password, unit, roles, officer)
        session.commit()


def _field_officer(session: Any) -> Any:
    """The demo's phone-app login: the first county officer with a certificate valid today (the world's
    county codes are generated, so it is looked up rather than named)."""
    from sqlalchemy import or_, select

    from api.models import Officer, Unit
    from api.services.clock import today

    on = today()
    return session.scalars(
        select(Officer)
        .join(Unit, Unit.unit_code == Officer.unit_code)
        .where(
            Unit.level == "county",
            Officer.cert_no.is_not(None),
            or_(Officer.cert_valid_from.is_(None), Officer.cert_valid_from <= on),
            or_(Officer.cert_valid_to.is_(None), Officer.cert_valid_to >= on),
        )
        .order_by(Officer.officer_id)
    ).first()


def demo(
    seed: int = typer.Option(42, help="seed of the demo world"),
    no_serve: bool = typer.Option(False, "--no-serve", help="prepare everything, start no service"),
) -> None:
    """Generate the demo world, run the pipeline and serve API, Dagster UI and dashboards."""
    home, password = _prepare(seed)
    if no_serve:
        typer.echo(f"ready under {home}")
        return
    env = {**os.environ, "ZHIFA_HOME": str(home)}
    env.setdefault("ZHIFA_SECRET_KEY", _secret(home, "api-secret-key"))
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    pool_config = Path(__file__).resolve().parents[2] / "dagster_defs" / "dagster.yaml"
    if pool_config.exists() and not (dagster_home / "dagster.yaml").exists():
        shutil.copy(pool_config, dagster_home / "dagster.yaml")
    env.setdefault("DAGSTER_HOME", str(dagster_home))
    bin_dir = Path(sys.executable).parent
    services = {
        "API": (
            [str(bin_dir / "zhifa"), "serve", "api", "--port", "8000"],
            "http://127.0.0.1:8000/ (现场办案 phone app) · http://127.0.0.1:8000/docs (API)",
        ),
        # dagster dev ignores SIGTERM unless default signal handling is restored (STACK.md)
        "Dagster UI": (
            [
                "env",
                "--default-signal=INT,TERM",
                str(bin_dir / "dagster"),
                "dev",
                "-m",
                "dagster_defs",
                "-h",
                "127.0.0.1",
                "-p",
                "3000",
            ],
            "http://127.0.0.1:3000",
        ),
        "Superset": ([str(bin_dir / "zhifa"), "serve", "dashboards"], "http://127.0.0.1:8088"),
    }
    # Ctrl-C and SIGTERM both stop everything, even when started from a shell that ignores SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    for name, (cmd, _) in services.items():
        log = (logs / f"{name.split()[0].lower()}.log").open("ab")
        procs[name] = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    typer.echo("\nzhifa demo is up (logs in " + str(logs) + "):")
    for name, (_, url) in services.items():
        typer.echo(f"  {name:12} {url}")
    typer.echo(
        f"  logins       admin / manager / officer (phone app), password {password}; "
        f"Superset login in {logs}/superset.log"
    )
    typer.echo("Ctrl-C stops everything.")
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        stopped = [n for n, p in procs.items() if p.poll() is not None]
        typer.echo(f"stopped unexpectedly: {', '.join(stopped)} — see {logs}", err=True)
    except KeyboardInterrupt:
        typer.echo("\nstopping …")
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
