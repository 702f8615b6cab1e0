"""``zhifa demo``: the whole platform on the embedded demo world, left running until Ctrl-C.

Secrets first (created once under ``$ZHIFA_HOME/secrets/``, the environment wins) → generate the
world (once) → land it → run the pipeline in-process (import, checks, marts, snapshot) → load the
catalog and demo logins into the API store → serve the API, the Dagster UI and, when its environment
is installed, Superset; print the addresses and logins once each answers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import typer

from zhifa.private import private_dir, stored_secret
from zhifa.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.models import Officer

PASSWORD_VARIABLE = "ZHIFA_DEMO_PASSWORD"
# Every secret the demo's steps and services need: environment variable → file under secrets/.
# The demo password is also the Superset admin's, so one printed login opens every page.
DEMO_SECRETS = {
    "ZHIFA_SECRET_KEY": "api-secret-key",
    "ZHIFA_AUDIT_KEY": "audit-key",
    "ZHIFA_PSEUDONYM_KEY": "pseudonym-key",
    "ZHIFA_SUPERSET_SECRET_KEY": "superset-secret-key",
    PASSWORD_VARIABLE: "demo-password.txt",
}
# demo logins: (username, unit, roles, officer) — the generator's officer 001 heads each unit
DEMO_USERS = [("admin", "410000", "admin", None), ("manager", "410000", "manager;approver", "O410000001")]
READY_TIMEOUT_S = 600.0  # Superset imports and replays every chart before it is ready


def demo_secrets(home: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """The demo's secrets: each from the environment when set, else from its file under secrets/ (created
    once, 0600 in a 0700 folder, by the same helper the pipeline uses for the pseudonym key)."""
    folder = private_dir(home / "secrets")
    values = {
        variable: stored_secret(folder / name, environ.get(variable))[0]
        for variable, name in DEMO_SECRETS.items()
    }
    values["ZHIFA_SUPERSET_ADMIN_PASSWORD"] = (
        environ.get("ZHIFA_SUPERSET_ADMIN_PASSWORD") or values[PASSWORD_VARIABLE]
    )
    return values


def _use_secrets(home: Path) -> str:
    """Export the secrets to this process (its in-process steps) and to every service it starts."""
    for variable, value in demo_secrets(home, os.environ).items():
        os.environ.setdefault(variable, value)
    os.environ.setdefault("ZHIFA_HOME", str(home))
    get_settings.cache_clear()
    return os.environ[PASSWORD_VARIABLE]


def _prepare(seed: int) -> Path:
    from generator import generate_world, get_scale
    from ingestion.landing import land

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
            typer.echo("流水线失败，见上方信息 / the pipeline failed: see the messages above", err=True)
            raise typer.Exit(code=1)
    _load_api_store(world, os.environ[PASSWORD_VARIABLE])
    return home


def _load_api_store(world: Path, password: str) -> None:
    from sqlalchemy import select

    from api.capture.services.catalog import load_catalog
    from api.models import User
    from api.platform.services.users import create_user
    from cli.api import api_session

    with api_session() as session:
        load_catalog(session, world)
        users = list(DEMO_USERS)
        if (field := _field_officer(session)) is not None:
            users.append(("officer", field.unit_code, "officer", field.officer_id))
        for username, unit, roles, officer in users:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(session, username, password, unit, roles, officer)
        session.commit()


def _field_officer(session: Session) -> Officer | None:
    """The demo's phone-app login: the first county officer with a certificate valid today (the world's
    county codes are generated, so it is looked up rather than named)."""
    from sqlalchemy import or_, select

    from api.models import Officer, Unit
    from zhifa.clock import today

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


def _answers(url: str) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.HTTPError:
            return False

    return probe


def _dashboards_imported(url: str, password: str) -> Callable[[], bool]:
    """Superset is ready for a user once the admin can log in and every dashboard of the bundle is there
    (its web server answers /health earlier, while the bundle is still being imported)."""
    from dashboards.boards import BOARDS
    from dashboards.client import SupersetClient
    from dashboards.service import SupersetError, SupersetSettings

    def probe() -> bool:
        try:
            with SupersetClient(url, SupersetSettings().admin_user, password, timeout=10) as client:
                return len(client.dashboards()) >= len(BOARDS)
        except (httpx.HTTPError, SupersetError, KeyError, ValueError):
            return False

    return probe


def _services(
    api_port: int, dagster_port: int, superset_port: int, password: str
) -> dict[str, tuple[list[str], str, Callable[[], bool]]]:
    """name → (command, address shown, probe that is true once the service is ready for a user)."""
    bin_dir = Path(sys.executable).parent
    api = f"http://127.0.0.1:{api_port}"
    dagster = f"http://127.0.0.1:{dagster_port}"
    superset = f"http://127.0.0.1:{superset_port}"
    return {
        "API": (
            [str(bin_dir / "zhifa"), "serve", "api", "--port", str(api_port)],
            f"{api}/ (现场办案 phone app) · {api}/docs (API)",
            _answers(f"{api}/health"),
        ),
        # dagster dev ignores SIGTERM unless default signal handling is restored (STACK.md)
        "Dagster UI": (
            [
                *("env", "--default-signal=INT,TERM", str(bin_dir / "dagster"), "dev", "-m", "dagster_defs"),
                *("-h", "127.0.0.1", "-p", str(dagster_port)),
            ],
            dagster,
            _answers(f"{dagster}/server_info"),
        ),
        "Superset": (
            [str(bin_dir / "zhifa"), "serve", "dashboards"],
            superset,
            _dashboards_imported(superset, password),
        ),
    }


def _wait_ready(
    procs: Mapping[str, subprocess.Popen[bytes]], probes: Mapping[str, Callable[[], bool]]
) -> list[str]:
    """Poll each service until it is ready; the names of those that stopped or never became ready."""
    waiting = dict(probes)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while waiting and time.monotonic() < deadline:
        for name, ready in list(waiting.items()):
            if procs[name].poll() is not None:
                return [name]
            if ready():
                del waiting[name]
        time.sleep(1)
    return list(waiting)


def _stop(procs: Mapping[str, subprocess.Popen[bytes]]) -> None:
    """Stop each service's whole process group (Dagster's code servers and Superset's workers too)."""
    for proc in procs.values():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs.values():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(ProcessLookupError):  # children left behind by a parent that exited
            os.killpg(proc.pid, signal.SIGKILL)


def demo(
    seed: int = typer.Option(42, help="seed of the demo world"),
    no_serve: bool = typer.Option(False, "--no-serve", help="prepare everything, start no service"),
    api_port: int = typer.Option(8000, help="port of the API"),
    dagster_port: int = typer.Option(3000, help="port of the Dagster UI"),
    superset_port: int = typer.Option(8088, help="port of Superset"),
) -> None:
    """Generate the demo world, run the pipeline and serve API, Dagster UI and dashboards."""
    password = _use_secrets(get_settings().home_dir)
    home = _prepare(seed)
    if no_serve:
        typer.echo(f"ready under {home}; logins admin / manager, password {password}")
        return
    env = {**os.environ, "ZHIFA_SUPERSET_PORT": str(superset_port)}
    # the office pages' dashboard links (the API signs them, Superset accepts them: docs/security.md)
    env.setdefault("ZHIFA_DASHBOARDS_URL", f"http://127.0.0.1:{superset_port}")
    dagster_home = home / "dagster"
    dagster_home.mkdir(parents=True, exist_ok=True)
    pool_config = PROJECT_ROOT / "dagster_defs" / "dagster.yaml"
    if pool_config.exists() and not (dagster_home / "dagster.yaml").exists():
        shutil.copy(pool_config, dagster_home / "dagster.yaml")
    env.setdefault("DAGSTER_HOME", str(dagster_home))
    services = _services(api_port, dagster_port, superset_port, password)
    # Ctrl-C and SIGTERM both stop everything, even when started from a shell that ignores SIGINT
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    try:
        for name, (cmd, _, _) in services.items():
            log = (logs / f"{name.split()[0].lower()}.log").open("ab")
            procs[name] = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        typer.echo("starting the services …")
        failed = _wait_ready(procs, {name: probe for name, (_, _, probe) in services.items()})
        if failed:
            typer.echo(f"未能启动 / did not come up: {', '.join(failed)} — see {logs}", err=True)
            raise typer.Exit(code=1)
        typer.echo("\nzhifa demo is up (logs in " + str(logs) + "):")
        for name, (_, url, _) in services.items():
            typer.echo(f"  {name:12} {url}")
        typer.echo(
            f"  logins       admin / manager / officer (phone app), password {password} "
            "(Superset: admin, same password)"
        )
        typer.echo("Ctrl-C stops everything.", nl=True)
        sys.stdout.flush()
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
        stopped = [n for n, p in procs.items() if p.poll() is not None]
        typer.echo(f"stopped unexpectedly: {', '.join(stopped)} — see {logs}", err=True)
        raise typer.Exit(code=1)
    except KeyboardInterrupt:
        typer.echo("\nstopping …")
    finally:
        _stop(procs)
