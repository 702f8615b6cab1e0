"""Runs inside Superset's own virtualenv (imports superset's libraries, never zhifa): how Superset's
process reaches the snapshot and its metadata database, without per-request costs that are not the query.

- ``snapshot_connection_mutator`` (``DB_CONNECTION_MUTATOR``): Superset builds a new engine with a NullPool
  for every query (and two more per chart request to ask a virtual dataset's default schema), so each
  opened the snapshot file anew — its catalog read, its buffer pool empty, ~25–40 ms a connection under
  load, three per request. Instead each process keeps one in-memory DuckDB with the snapshot attached
  read-only, and every engine's connection is a new connection to that instance (``cursor()``: its own
  transaction and settings, shared catalog and buffer pool). The file is identified by its inode, size
  and mtime at every connection: a publish swaps in a new file (``os.replace``), and the next connection
  reads the new one — what the dashboards show is never older than with a connection per query.
- ``sqlite_metadata_pragmas`` and ``metadata_engine_options``: Superset logs six events per chart request
  (the request, the query, the dataframe, post-processing, JSON) and commits each to the metadata DB on a
  connection of its own: SQLAlchemy 1.4 gives a SQLite file a NullPool, so each event opened the file and
  its close checkpointed it; with the default rollback journal every commit was an fsync (~20 ms each on a
  busy disk, six per request). A pool keeps the connections; in WAL mode with ``synchronous=NORMAL`` a
  commit is an append, and the database stays consistent after a crash (the last commits may be lost).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

CATALOG = "snapshot"  # the attached file's name inside the in-memory instance


class SnapshotInstance:
    """One DuckDB instance per process reading the current snapshot file; replaced when the file is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._root: Any = None

    def connect(self, path: str, config: dict[str, Any]) -> Any:
        """A new DuckDB connection (wrapped as duckdb-engine wraps its own) to the instance that has the
        file now at ``path`` attached; opens a new instance when the file was replaced since."""
        from duckdb_engine import ConnectionWrapper

        st = os.stat(path)
        key = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, sorted(config.items()))
        with self._lock:
            if key != self._key:
                # the old instance lives on while a running query still holds a connection to it
                self._root = _open(path, config)
                self._key = key
            con = self._root.cursor()
        con.execute(f"USE {CATALOG}")
        return ConnectionWrapper(con)


def _open(path: str, config: dict[str, Any]) -> Any:
    """An unnamed in-memory instance (never shared through DuckDB's instance cache, which is keyed by
    path and would hand out the replaced file) with ``path`` attached read-only, then the connection's
    restrictions applied: with ``enable_external_access`` false no later statement can read other files."""
    import duckdb

    options = {k: v for k, v in config.items() if k != "enable_external_access"}
    root = duckdb.connect(":memory:", config=options)
    quoted = path.replace("'", "''")
    root.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
    if config.get("enable_external_access") is False:
        root.execute("SET enable_external_access = false")
    return root


SNAPSHOT = SnapshotInstance()


def snapshot_connection_mutator(
    url: Any, params: dict[str, Any], username: Any, security_manager: Any, source: Any
) -> tuple[Any, dict[str, Any]]:
    """``DB_CONNECTION_MUTATOR``: engines on a read-only DuckDB file connect through ``SNAPSHOT``; any
    other database is left as Superset configured it."""
    connect_args = params.get("connect_args") or {}
    if url.drivername == "duckdb" and url.database and connect_args.get("read_only"):
        path, config = str(url.database), dict(connect_args.get("config") or {})
        params = {**params, "creator": lambda: SNAPSHOT.connect(path, config)}
    return url, params


def sqlite_metadata_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLAlchemy ``connect`` listener: WAL journal, fsync at checkpoints only (SQLite connections only)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode = WAL")  # kept in the file: once is enough
            cursor.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.OperationalError:
            pass  # another process holds the file just now: the default journal still works
        finally:
            cursor.close()


def metadata_engine_options(uri: str) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` for the metadata DB: a pool of connections for a SQLite file (used by
    one thread at a time, handed between gunicorn's threads); other databases pool by default."""
    if not uri.startswith("sqlite:"):
        return {}
    from sqlalchemy.pool import QueuePool

    return {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
