"""Alembic environment: uses the connection handed over by api.db.upgrade, else the settings URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from api.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from api.db import make_engine
    from zhifa.settings import get_settings

    engine = make_engine(get_settings().api_database_url)
    with engine.begin() as conn:
        _run(conn)
