"""The migrations and the models describe the same schema, on both back ends, with one head: a model
changed without its migration (or two migrations from the same parent) fails here, not in production."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.db import MIGRATIONS_DIR
from api.models import Base


def test_one_head() -> None:
    cfg = Config(str(MIGRATIONS_DIR.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_migrated_store_matches_the_models(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_workers_starting_together_migrate_once(postgres_server: str) -> None:
    """A server's workers each upgrade the store as they start: on a fresh PostgreSQL database, four at
    once all succeed (one migrates, the others wait for it and find the head) and the schema is whole."""
    import threading
    import time
    import uuid

    import psycopg

    from api.db import make_engine, upgrade

    name = f"t_race_{uuid.uuid4().hex[:12]}"  # a fresh database of its own, whoever shares the server
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engines = [make_engine(f"{postgres_server}/{name}", pool_size=1) for _ in range(4)]
    start, errors = threading.Barrier(len(engines)), []

    def migrate(engine: sa.Engine) -> None:
        start.wait()
        try:
            upgrade(engine)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    workers = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 60  # unserialised, they block each other on the catalog: fail, not hang
    for w in workers:
        w.join(timeout=max(0.0, deadline - time.monotonic()))
    try:
        assert not any(w.is_alive() for w in workers), "the workers' migrations block each other"
        assert errors == []
        with engines[0].connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        for e in engines:
            e.dispose()
