"""Engines and sessions for the operational store (SQLite in WAL mode, or PostgreSQL).

SQLite: every transaction starts with ``BEGIN IMMEDIATE`` so two writers never both read a
counter or chain head and then collide; WAL lets readers go on meanwhile.
PostgreSQL: row locks (``SELECT … FOR UPDATE``) and unique constraints do the same job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from zhifa.private import private_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (psycopg2 is not installed)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private_file(Path(path))  # 0600 before SQLite writes a byte; its -wal and -shm files inherit it
        engine = create_engine(
            url,
            connect_args={"timeout": 60, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        _sqlite_events(engine)
        return engine
    # Sessions in UTC whatever the server's TimeZone (initdb takes the machine's): instants are stored and
    # compared as UTC, so a bureau server set to local time reads and hashes the same values as SQLite.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        connect_args={"options": "-c timezone=UTC"},
    )


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def make_sessionmaker(
    engine: Engine, audit_secret: str | None = None, audit_checkpoints: Path | None = None
) -> sessionmaker[Session]:
    """Sessions carry the audit chain's key and checkpoint file in ``Session.info``
    (api.platform.services.audit); without a file no checkpoints are written or compared. Sessions that
    write cases come from ``clock_store.session_factory``, which also keeps the stored deadlines current."""
    from api.platform.services import audit_checkpoints as checkpoints

    info = {"audit_secret": audit_secret, checkpoints.PATH_KEY: audit_checkpoints}
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)
    checkpoints.install(factory)
    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def upgrade(engine: Engine) -> None:
    """``alembic upgrade head`` on this engine, run in-process."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
