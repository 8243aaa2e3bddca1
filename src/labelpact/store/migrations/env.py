"""Alembic environment: migrates the connection the store hands over (``config.attributes["connection"]``).

Run programmatically by ``labelpact.store.database.upgrade_to_head``; there is no alembic.ini.
For a one-off by hand: ``Config().set_main_option("sqlalchemy.url", URL)`` with script_location set.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from labelpact.store.database import create_store_engine
from labelpact.store.schema import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy-and-move
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_store_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as owned:
            _run(owned)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("labelpact migrations run online only: they need a connection")
run_migrations_online()
