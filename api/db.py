"""Engines and sessions for the operational store (SQLite in WAL mode, or PostgreSQL).

SQLite: every transaction starts with ``BEGIN IMMEDIATE`` so two writers never both read a
counter or chain head and then collide; WAL lets readers go on meanwhile. Inside one process the
writers queue on a lock before that BEGIN (see ``_WriterQueue``); a transaction opened with the
``READ_ONLY`` execution option only reads and starts with a plain, deferred BEGIN.
PostgreSQL: row locks (``SELECT … FOR UPDATE``) and unique constraints do the same job.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from zhifa.private import private_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY: Final = 0x7A68_6966_6101  # pg_advisory_xact_lock key of the migrations ("zhifa" + 1)
IN_LIST_CHUNK: Final = 500  # values per ``IN (...)``: bound parameters stay well under SQLite's limit
_V = TypeVar("_V")


def in_chunks(values: Sequence[_V]) -> Iterator[Sequence[_V]]:
    """``values`` in slices short enough for one ``IN (...)`` list each."""
    for start in range(0, len(values), IN_LIST_CHUNK):
        yield values[start : start + IN_LIST_CHUNK]


BUSY_SECONDS = 60  # how long a writer waits for the store before the request is answered 503
READ_ONLY: Final = "zhifa_read_only"  # execution option: this transaction only reads (SQLite: no writer lock)


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
            connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False},
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


class _WriterQueue:
    """One SQLite writer at a time in this process, waiting on a lock rather than in SQLite.

    A ``BEGIN IMMEDIATE`` that finds the store locked sleeps in SQLite's busy handler (1, 2, 5, 10 … up
    to 100 ms a try) and does not wake when the lock is freed: under 50 concurrent creates that polling,
    not the work, set the p95 (docs/benchmarks.md, issue 22). Here a writer takes the lock before its
    BEGIN and gives it back once its COMMIT or ROLLBACK has run, so the next one starts at once. Other
    processes on the same file still meet SQLite's own lock and its busy timeout."""

    FLAG = "zhifa_writer"  # in the pooled connection's info: this connection holds the lock

    def __init__(self, engine: Engine) -> None:
        self.lock = threading.Lock()
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn: Any) -> None:
            try:
                commit(dbapi_conn)
            finally:
                self.release(dbapi_conn)

        def do_rollback(dbapi_conn: Any) -> None:
            try:
                rollback(dbapi_conn)
            finally:
                self.release(dbapi_conn)

        # instance attributes: this engine's dialect only (the pool's reset on check-in also rolls back)
        dialect.do_commit = do_commit  # type: ignore[method-assign, assignment]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign, assignment]
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "invalidate", lambda _c, record, _e: self.release(record))

    def begin(self, conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        if not conn.info.get(self.FLAG):
            if not self.lock.acquire(timeout=BUSY_SECONDS):
                busy = sqlite3.OperationalError("database is locked")
                raise OperationalError("BEGIN IMMEDIATE", None, busy)
            conn.info[self.FLAG] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.release(conn)
            raise

    def release(self, conn: Any) -> None:
        """Give the lock back if ``conn`` (pooled connection, its record, or a Connection) holds it."""
        try:
            info = conn.info
        except NotImplementedError:  # the dialect's first-connect probe: never a writer
            return
        if info.pop(self.FLAG, False):
            self.lock.release()


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        cur.close()

    _WriterQueue(engine)


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
    with engine.begin() as conn:  # on SQLite a BEGIN IMMEDIATE: one migrator at a time
        if conn.dialect.name == "postgresql":
            # the server's workers start together: one migrates, the others wait here and find the head
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
