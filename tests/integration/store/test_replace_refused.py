"""The append-only tables refuse a rewrite by ``INSERT OR REPLACE`` (SQLite) or an upsert (PostgreSQL), as they
refuse UPDATE and DELETE: the row an audit or a log line had stays as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.store import Store
from labelpact.store.database import create_store_engine

REWRITE = {
    "sqlite": "INSERT OR REPLACE INTO audit_log SELECT id, at, 'someone-else', action, subject, detail "
    "FROM audit_log WHERE id = :id",
    "postgresql": "INSERT INTO audit_log SELECT id, at, 'someone-else', action, subject, detail FROM audit_log "
    "WHERE id = :id ON CONFLICT (id) DO UPDATE SET actor = excluded.actor",
}


def test_a_log_line_cannot_be_rewritten_by_replacing_it(store: Store, settings: Settings) -> None:
    store.add_partner("Scale")
    engine = create_store_engine(settings.db_url)
    try:
        with engine.connect() as connection:
            before = connection.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all()
            connection.rollback()
            assert before
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), connection.begin():
                connection.execute(sa.text(REWRITE[engine.dialect.name]), {"id": before[0].id})
            assert connection.execute(sa.text("SELECT * FROM audit_log ORDER BY id")).all() == before
    finally:
        engine.dispose()
