"""Superset as a real service in its own virtualenv: install, configure, initialise, serve with gunicorn.

Superset 6.1 pins sqlalchemy<2, pandas<2.2, numpy<2.3 and duckdb<2, so it cannot share the platform's
environment; its pins live in ``dashboards/requirements.lock`` (``uv pip compile`` of requirements.in).
Everything it keeps (config, secret key, SQLite metadata DB, logs) lives under ``ZHIFA_HOME/superset``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from zhifa.private import stored_secret
from zhifa.settings import PROJECT_ROOT, get_settings

LOCK_FILE = PROJECT_ROOT / "dashboards" / "requirements.lock"
PYTHON_VERSION = "3.11"  # Superset 6.1 supports 3.10–3.12; the platform's own Python
APP = "superset.app:create_app()"
EXT_DIR = PROJECT_ROOT / "dashboards" / "in_superset"  # code that runs inside Superset's own venv


class SupersetError(RuntimeError):
    """A step of the Superset bootstrap failed; the message is meant for the operator."""


class SupersetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHIFA_SUPERSET_", env_file=".env", extra="ignore")

    venv: Path = Field(default=PROJECT_ROOT / ".superset-venv", description="Superset's own virtualenv")
    home_dir: Path | None = Field(default=None, description="Superset's state; default ZHIFA_HOME/superset")
    secret_key: str | None = Field(default=None, description="Flask secret; default generated once in home")
    database_url: str | None = Field(default=None, description="metadata DB; default SQLite under home")
    admin_user: str = Field(default="admin")
    admin_password: str | None = Field(default=None, description="default generated once in home")
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8088)
    workers: int = Field(default=2, description="gunicorn workers (each ~300 MB)")
    start_timeout: float = Field(default=180.0, description="seconds to wait for the web server")
    sso_key: str | None = Field(
        default=None, description="sign-in token key; default the platform's ZHIFA_DASHBOARDS_SSO_KEY"
    )

    @property
    def home(self) -> Path:
        return self.home_dir or get_settings().home_dir / "superset"

    @property
    def metadata_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'superset.db'}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name


def _lock_digest() -> str:
    return hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()


def install_venv(settings: SupersetSettings, log: Callable[[str], None] = print) -> bool:
    """Create or update the Superset virtualenv from the lock file; False when already up to date."""
    marker = settings.venv / ".zhifa-lock-sha256"
    digest = _lock_digest()
    if marker.exists() and marker.read_text().strip() == digest and settings.bin("superset").exists():
        return False
    uv = shutil.which("uv")
    if uv is None:
        raise SupersetError("uv not found on PATH: run scripts/bootstrap.sh first")
    log(f"installing Superset into {settings.venv} (pinned by {LOCK_FILE.name}, ~700 MB)")
    if not (settings.venv / "bin" / "python").exists():
        _run([uv, "venv", "--quiet", "--python", PYTHON_VERSION, str(settings.venv)], "create the venv")
    # compiled at install: where PYTHONDONTWRITEBYTECODE is set every Superset start and CLI call would
    # recompile its imports (5.3 s of CPU to import the app instead of 1.8 s)
    python = str(settings.bin("python"))
    _run(
        [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, "-r", str(LOCK_FILE)],
        "install Superset",
    )
    marker.write_text(digest)
    return True


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise SupersetError(f"Superset 步骤失败 / could not {what} (exit {proc.returncode}):\n{tail}")
    return proc.stdout


def _secret(path: Path, given: str | None) -> str:
    """``given`` if set, else a random value generated once and kept (mode 0600) in ``path``."""
    return stored_secret(path, given)[0]


@dataclass
class Instance:
    """A configured Superset: the environment its commands and server run with."""

    settings: SupersetSettings
    env: dict[str, str]
    admin_password: str

    def cli(self, *args: str, what: str) -> str:
        return _run([str(self.settings.bin("superset")), *args], what, env=self.env)


CONFIG_TEMPLATE = '''"""Written by `zhifa serve dashboards`; edit the ZHIFA_SUPERSET_* settings instead."""
import os
import sys

SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = os.environ["ZHIFA_SUPERSET_METADATA_URL"]
DATA_DIR = {data_dir!r}
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {{"zh": {{"flag": "cn", "name": "简体中文"}}, "en": {{"flag": "us", "name": "English"}}}}
# served on 127.0.0.1 behind whatever proxy terminates TLS
TALISMAN_ENABLED = False
WTF_CSRF_ENABLED = True
SUPERSET_WEBSERVER_TIMEOUT = 120
# no result cache: a re-published snapshot is visible on the next query
DATA_CACHE_CONFIG = {{"CACHE_TYPE": "NullCache"}}
RATELIMIT_STORAGE_URI = "memory://"
FEATURE_FLAGS = {{"DASHBOARD_RBAC": False}}
# sign-in handed over by the platform API (/zhifa/sso/) and its users' row-level security
sys.path.insert(0, {ext_dir!r})
from zhifa_security import security_manager_class  # noqa: E402
CUSTOM_SECURITY_MANAGER = security_manager_class()
# one DuckDB instance per process over the snapshot; cheap commits of the per-request event log
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from zhifa_engine import (  # noqa: E402
    metadata_engine_options, snapshot_connection_mutator, sqlite_metadata_pragmas,
)
DB_CONNECTION_MUTATOR = snapshot_connection_mutator
SQLALCHEMY_ENGINE_OPTIONS = metadata_engine_options(SQLALCHEMY_DATABASE_URI)
event.listen(Engine, "connect", sqlite_metadata_pragmas)
'''


def configure(settings: SupersetSettings) -> Instance:
    """Write superset_config.py and return the environment Superset's commands need."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "superset_config.py"
    config.write_text(CONFIG_TEMPLATE.format(data_dir=str(home), ext_dir=str(EXT_DIR)), encoding="utf-8")
    env = {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(config),
        "SUPERSET_HOME": str(home),
        "SUPERSET_SECRET_KEY": _secret(home / "secret_key", settings.secret_key),
        "ZHIFA_SUPERSET_METADATA_URL": settings.metadata_url,
        "FLASK_APP": APP,
        "PYTHONWARNINGS": "ignore",
        # the platform API signs the sign-in tokens with the same key (ZHIFA_DASHBOARDS_SSO_KEY)
        "ZHIFA_DASHBOARDS_SSO_KEY": settings.sso_key or get_settings().dashboards_sso_secret or "",
    }
    env.pop("VIRTUAL_ENV", None)  # the platform's venv must not leak into Superset's
    password = _secret(home / "admin_password", settings.admin_password)
    return Instance(settings, env, password)


def initialise(inst: Instance) -> None:
    """Migrate the metadata DB, make sure the admin exists with the configured password, sync roles."""
    inst.cli("db", "upgrade", what="migrate the metadata database (superset db upgrade)")
    user = inst.settings.admin_user
    out = inst.cli(
        "fab", "create-admin", "--username", user, "--firstname", "Zhifa", "--lastname", "Admin",
        "--email", f"{user}@localhost", "--password", inst.admin_password,
        what="create the admin user",
    )  # fmt: skip
    if "already exist" in out.lower():
        inst.cli("fab", "reset-password", "--username", user, "--password", inst.admin_password, what="reset")
    inst.cli("init", what="set up roles and permissions (superset init)")


@contextmanager
def running(inst: Instance, log_path: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Gunicorn serving Superset on host:port until the block exits (then stopped, not killed, first)."""
    s = inst.settings
    log_path = log_path or s.home / "gunicorn.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                str(s.bin("gunicorn")), "--workers", str(s.workers), "--worker-class", "gthread",
                "--threads", "4", "--timeout", "120", "--bind", f"{s.host}:{s.port}",
                "--limit-request-line", "0", "--limit-request-field_size", "0", APP,
            ],
            env=inst.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_ready(s.url, proc, s.start_timeout, log_path)
        yield proc
    finally:
        stop(proc)


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise SupersetError(f"Superset 未能启动 / gunicorn exited with {proc.returncode}:\n{tail}")
        try:
            if httpx.get(f"{url}/health", timeout=2).text.strip() == "OK":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SupersetError(
        f"Superset 启动超时 / no answer from {url}/health within {timeout:.0f} s ({log_path})"
    )


def stop(proc: subprocess.Popen[bytes], grace: float = 20) -> None:
    """SIGTERM the gunicorn master (it stops its workers), then SIGKILL its group if it hangs."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


def main() -> None:
    """`python -m dashboards.service install`: the bootstrap step that creates the venv."""
    if sys.argv[1:] != ["install"]:
        raise SystemExit("usage: python -m dashboards.service install")
    install_venv(SupersetSettings())


if __name__ == "__main__":
    main()
