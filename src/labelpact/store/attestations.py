"""Attestations: statements a partner or the client files for the transparency card, appended, never edited.

Each row keeps the file's TOML verbatim with its SHA-256, who attested and when, and the statements
(RAI property name to text). Audit log: ``attestation.added``, subject ``partner:<name>`` or
``project:<name>``. A later attestation of the same subject supersedes earlier statements when read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from labelpact.errors import InvalidInputError
from labelpact.store import queries as q
from labelpact.store.base import StoreBase
from labelpact.store.schema import AttestationRow

__all__ = ["AttestationMethods", "AttestationRecord"]


@dataclass(frozen=True, slots=True)
class AttestationRecord:
    """A stored attestation (``id`` ``t3``): ``subject`` is ``partner:<name>`` or ``project:<name>``."""

    id: str
    subject: str
    attested_by: str
    attested_at: dt.datetime
    sha256: str
    toml: str
    statements: dict[str, str]


def _record(row: AttestationRow) -> AttestationRecord:
    subject = (
        f"partner:{row.partner.name}"
        if row.partner is not None
        else f"project:{row.project.name}"
        if row.project
        else "?"
    )
    return AttestationRecord(
        id=f"t{row.id}",
        subject=subject,
        attested_by=row.attested_by,
        attested_at=row.attested_at,
        sha256=row.sha256,
        toml=row.toml,
        statements={str(k): str(v) for k, v in row.statements.items()},
    )


class AttestationMethods(StoreBase):
    """The store's attestation methods (a mixin of ``Store``)."""

    def add_attestation(
        self,
        *,
        partner: str | None = None,
        project: str | None = None,
        attested_by: str,
        toml: str,
        statements: Mapping[str, str],
    ) -> AttestationRecord:
        """Store statements about exactly one of ``partner`` and ``project`` (which must exist)."""
        if (partner is None) == (project is None):
            raise InvalidInputError("a partner or a project (one of them)", column="subject")
        if not statements:
            raise InvalidInputError("at least one statement", column="statements", column_kind="field")
        with self._write() as session:
            row = AttestationRow(
                partner=None if partner is None else q.partner_row(session, partner),
                project=None if project is None else q.project_row(session, project),
                attested_by=attested_by,
                attested_at=q.now(),
                sha256=hashlib.sha256(toml.encode("utf-8")).hexdigest(),
                toml=toml,
                statements=dict(statements),
            )
            session.add(row)
            session.flush()
            record = _record(row)
            detail = {"attestation": record.id, "by": attested_by, "statements": sorted(statements)}
            q.audit(session, self.actor, "attestation.added", record.subject, detail)
            return record

    def list_attestations(self) -> list[AttestationRecord]:
        """Every attestation, oldest first."""
        with self._read() as session:
            return [
                _record(r) for r in session.scalars(sa.select(AttestationRow).order_by(AttestationRow.id))
            ]
