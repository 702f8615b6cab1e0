"""Fixtures: a real app on a real SQLite file or a real PostgreSQL server, a catalog folder in the
bulk contract format, and logged-in clients for each role."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from glob import glob
from pathlib import Path
from typing import Any

import pytest
from apitest_support import PASSWORD, SECRET, served_in_thread, write_catalog
from fastapi.testclient import TestClient
from net_support import free_port

from api.capture.services.catalog import load_catalog
from api.main import create_app
from api.platform.services.users import create_user
from zhifa.settings import Settings


# --- PostgreSQL ------------------------------------------------------------------------------------
def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Base URL (without database) of a PostgreSQL server: ZHIFA_TEST_POSTGRES_URL, else a throwaway
    cluster started here with initdb + pg_ctl; skipped only when no postgres binaries exist."""
    given = os.environ.get("ZHIFA_TEST_POSTGRES_URL")
    if given:
        yield given.rsplit("/", 1)[0]
        return
    bins = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip(
            "PostgreSQL binaries absent (apt-get install -y postgresql) and ZHIFA_TEST_POSTGRES_URL unset"
        )
    bindir = Path(bins[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="zhifa-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "zhifa",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
    subprocess.run(
        _as_postgres(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://zhifa@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _fresh_postgres_db(base: str, template: str | None = None) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    return f"{base}/{name}"


# --- app -----------------------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _seed(url: str, home: Path) -> None:
    """Migrate, load the catalog folder and create the users once; tests copy the result."""
    from zhifa.clock import today

    settings = Settings(home=home, database_url=url, secret_key=SECRET)
    application = create_app(settings)
    with application.state.sessionmaker() as session:
        report = load_catalog(session, write_catalog(home / "catalog", today()))
        assert report.loaded == {"units": 4, "officers": 4, "products": 3, "prices": 5}, report
        assert len(report.rejected) == 2, report.rejected  # bad check digit, bad price
        for name, unit, roles, officer in USERS:
            create_user(session, name, PASSWORD, unit, roles, officer)
        session.commit()
    application.state.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sqlite-template")
    path = home / "api.sqlite3"
    _seed(f"sqlite:///{path}", home)
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _fresh_postgres_db(postgres_server)
    _seed(url, tmp_path_factory.mktemp("pg-template"))
    return url.rsplit("/", 1)[1]


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        target = tmp_path / "home" / "api.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    template = request.getfixturevalue("postgres_template")
    return _fresh_postgres_db(request.getfixturevalue("postgres_server"), template)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url, secret_key=SECRET)


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


USERS = [
    ("li", "410122", ["officer"], "O410122001"),
    ("wang", "410122", ["officer"], "O410122002"),
    ("head", "410122", ["approver"], None),
    ("legal", "410100", ["legal_reviewer"], None),
    ("cityboss", "410100", ["approver", "manager"], None),
    ("kaifeng", "410200", ["officer", "approver"], "O410200001"),
    ("admin", "410000", ["admin"], None),
]


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def as_user(app: Any) -> Any:
    """Bearer headers per username, signed directly (logging in is tested on its own)."""
    from sqlalchemy import select

    from api.core.security import create_token
    from api.models import User

    with app.state.sessionmaker() as session:
        ids = dict(session.execute(select(User.username, User.id)).tuples().all())

    def headers(username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(SECRET, ids[username], 60)}"}

    return headers


@pytest.fixture
def live_url(app: Any) -> Iterator[str]:
    """The app served by a real uvicorn server on a free port, in a thread of this process."""
    with served_in_thread(app) as url:
        yield url


# --- the served web pages (browser tests) ---------------------------------------------------------
# One served app, one headless Chromium and one httpx client per test module; a module with other needs
# (a fake camera, changed settings) defines its own fixture of the same name.
@pytest.fixture(scope="module")
def served(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Any]:
    from field_support import require_build, serve

    require_build()
    yield from serve(sqlite_template, tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from office_pages_support import launch

    yield from launch()


@pytest.fixture(scope="module")
def api(served: Any) -> Iterator[Any]:
    from office_pages_support import api_client

    yield from api_client(served)
