"""PostgreSQL for the integration suites (store, service, dashboard): the test server's URL, an engine on it
or a skip that says how to get one, and a fresh schema per test, dropped afterwards.

The server is ``LABELPACT_TEST_POSTGRES_URL``, else the one ``.ci/postgres.sh`` starts on 127.0.0.1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from labelpact.config import Settings, load_settings

DEFAULT_POSTGRES_URL = "postgresql://labelpact:labelpact@127.0.0.1:5432/labelpact_test"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url() -> str:
    """The test server's URL in SQLAlchemy form (``postgresql+psycopg://``)."""
    raw = os.environ.get("LABELPACT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return load_settings({}, workspace=".", db=raw).db_url


def admin_engine() -> sa.Engine:
    """An engine on the test database, or ``pytest.skip`` naming the server that did not answer."""
    url = postgres_url()
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError:
        engine.dispose()
        shown = sa.make_url(url).render_as_string(hide_password=True)
        pytest.skip(f"no PostgreSQL at {shown}; run .ci/postgres.sh (or set LABELPACT_TEST_POSTGRES_URL)")
    return engine


@contextmanager
def schema_settings(admin: sa.Engine, workspace: Path) -> Iterator[Settings]:
    """Settings of an empty store in a new schema (every table and Alembic's land there), dropped after."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    in_schema = sa.make_url(postgres_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield Settings(workspace=workspace, db_url=in_schema.render_as_string(hide_password=False))
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
