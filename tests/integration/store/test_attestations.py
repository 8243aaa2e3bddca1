"""Attestations on SQLite and PostgreSQL: stored verbatim with who and when, one subject each, append-only."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.store import Store
from labelpact.store.database import create_store_engine

TOML = '[rai]\ndataUseCases = "Evaluation only."\n'


def test_an_attestation_is_kept_verbatim_and_listed_in_order(store: Store) -> None:
    store.add_partner("Acme")
    store.add_project("reviews")
    first = store.add_attestation(
        project="reviews", attested_by="Dana", toml=TOML, statements={"dataUseCases": "Evaluation only."}
    )
    second = store.add_attestation(
        partner="Acme", attested_by="Lee", toml="x", statements={"annotatorDemographics": "Adults."}
    )
    assert [a.id for a in store.list_attestations()] == [first.id, second.id] == ["t1", "t2"]
    assert first.subject == "project:reviews" and second.subject == "partner:Acme"
    assert first.sha256 == hashlib.sha256(TOML.encode("utf-8")).hexdigest() and first.toml == TOML
    assert store.list_attestations()[0].statements == {"dataUseCases": "Evaluation only."}
    assert first.attested_at.tzinfo is not None
    log = store.audit_log(action="attestation.added")
    assert [(e.subject, e.detail["statements"]) for e in log] == [
        ("project:reviews", ["dataUseCases"]),
        ("partner:Acme", ["annotatorDemographics"]),
    ]


def test_an_attestation_names_exactly_one_subject_that_exists(store: Store) -> None:
    store.add_partner("Acme")
    with pytest.raises(InvalidInputError, match="one of them"):
        store.add_attestation(attested_by="x", toml=TOML, statements={"dataUseCases": "y"})
    with pytest.raises(InvalidInputError, match="one of them"):
        store.add_attestation(partner="Acme", project="p", attested_by="x", toml=TOML, statements={"a": "y"})
    with pytest.raises(NotFoundError, match="unknown partner 'Acm'"):
        store.add_attestation(partner="Acm", attested_by="x", toml=TOML, statements={"dataUseCases": "y"})
    assert store.list_attestations() == []


def test_the_database_refuses_to_rewrite_an_attestation(store: Store, settings: Settings) -> None:
    store.add_partner("Acme")
    store.add_attestation(partner="Acme", attested_by="Lee", toml=TOML, statements={"dataUseCases": "y"})
    engine = create_store_engine(settings.db_url)
    try:
        for statement in ("UPDATE attestations SET attested_by = 'Eve'", "DELETE FROM attestations"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="attestations is append-only"),
                engine.begin() as conn,
            ):
                conn.execute(sa.text(statement))
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # both subjects set
            conn.execute(
                sa.text(
                    "INSERT INTO attestations (partner_id, project_id, attested_by, attested_at, sha256, toml, statements) VALUES (1, 1, 'x', '2025-01-01', 'x', 'x', '{}')"
                )
            )
    finally:
        engine.dispose()
    assert store.list_attestations()[0].attested_by == "Lee"
