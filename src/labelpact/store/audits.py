"""Audits, their findings and reviews, and the contracts they were judged by: appended, never rewritten.

An audit's files (``consensus`` Parquet...) lie under ``blobs/audits/<2 hex>/<key>/``, a review's results
under ``blobs/reviews/...``, with a random key per write; both go in by ``StoreBase._write_with_files``
(the crash order of ``add_batch``). Audit log: ``audit.created`` and ``review.recorded``, subject ``audit:a7``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.store import queries as q
from labelpact.store.audit_records import (
    AuditCreate,
    AuditRecord,
    FindingRecord,
    ReviewRecord,
    parse_id,
    review_counts,
)
from labelpact.store.base import StoreBase
from labelpact.store.blobs import Placement, new_key
from labelpact.store.database import lock
from labelpact.store.records import SHA256, SHORT_ID, BatchFile
from labelpact.store.schema import AuditFileRow, AuditRow, BatchRow, ContractRow, FindingRow, ReviewRow

__all__ = ["AuditMethods", "audit_record", "audit_row", "contract_row", "finding_record", "insert_audit"]


class AuditMethods(StoreBase):
    """The store's audit methods (a mixin of ``Store``)."""

    def add_audit(self, new: AuditCreate, *, files: Mapping[str, Path]) -> AuditRecord:
        """Store an audit of a batch, its findings and files, atomically; a re-audit is a new audit.

        ``files`` maps a role ("consensus"...) to a local file, copied into the blob store. Raises
        ``InvalidInputError`` for a bad field (NaN in a JSON field included), ``NotFoundError`` for an
        unknown batch or an unknown ``contract_sha256`` given without its text.
        """
        values = new.checked()

        def insert(session: Session, placement: Placement | None) -> AuditRecord:
            return insert_audit(session, self.actor, values, new.contract_toml, placement)

        return self._write_with_files("audits", new_key(), files, insert)

    def get_audit(self, ref: str | int) -> AuditRecord:
        """The audit ``ref`` (``a7``, ``7``); ``NotFoundError`` names the latest ones."""
        with self._read() as session:
            return audit_record(audit_row(session, ref))

    def list_audits(
        self, *, batch: str | None = None, partner: str | None = None, project: str | None = None
    ) -> list[AuditRecord]:
        """Audits, newest first, optionally of one batch (id or sha prefix), partner and/or project."""
        query = (
            sa.select(AuditRow)
            .join(BatchRow, AuditRow.batch_id == BatchRow.id)
            .order_by(AuditRow.created_at.desc(), AuditRow.id.desc())
        )
        with self._read() as session:
            if batch is not None:
                query = query.where(AuditRow.batch_id == q.batch_row(session, batch).id)
            if partner is not None:
                query = query.where(BatchRow.partner_id == q.partner_row(session, partner).id)
            if project is not None:
                query = query.where(BatchRow.project_id == q.project_row(session, project).id)
            return [audit_record(row) for row in session.scalars(query).unique()]

    def latest_audit(self, batch: str) -> AuditRecord | None:
        """The newest audit of ``batch``, or None when it has none (``NotFoundError`` for an unknown batch)."""
        with self._read() as session:
            batch_id = q.batch_row(session, batch).id
            row = session.scalars(
                sa.select(AuditRow)
                .where(AuditRow.batch_id == batch_id)
                .order_by(AuditRow.created_at.desc(), AuditRow.id.desc())
                .limit(1)
            ).first()
            return None if row is None else audit_record(row)

    def add_review(
        self,
        audit: str | int,
        *,
        results: Path,
        n_inspected: int,
        n_defective: int,
        decision: str,
        reviewer: str | None,
        reviewed_at: datetime | None = None,
    ) -> ReviewRecord:
        """Record a reviewer's answers for an audit's sample and the plan's decision (accept or reject).

        ``results`` is kept in the blob store; each call is a new review (an audit may get several).
        ``reviewed_at``: when the review was done, for a history entered later (default: now).
        """
        number = parse_id("a", audit, "audit")
        review_counts(n_inspected, n_defective, decision, results)
        if reviewer is not None and not reviewer.strip():
            raise InvalidInputError("a non-blank reviewer or None", column="reviewer", column_kind="field")

        def insert(session: Session, placement: Placement | None) -> ReviewRecord:
            target = audit_row(session, number)
            staged = placement.files["results"] if placement is not None else None
            if staged is None:  # unreachable: the results file is always staged
                raise InvalidInputError("a results file", column="results")
            row = ReviewRow(
                audit_id=target.id,
                created_at=q.now(),
                reviewed_at=reviewed_at,
                reviewer=reviewer,
                n_inspected=n_inspected,
                n_defective=n_defective,
                decision=decision,
                path=staged.relative,
                sha256=staged.sha256,
                size_bytes=staged.size_bytes,
            )
            session.add(row)
            session.flush()
            record = review_record(row)
            detail = {
                "review": record.id,
                "decision": decision,
                "n_inspected": n_inspected,
                "n_defective": n_defective,
                "reviewer": reviewer,
                "file": record.file.path,
            }
            q.audit(session, self.actor, "review.recorded", f"audit:a{target.id}", detail)
            return record

        return self._write_with_files("reviews", new_key(), {"results": Path(results)}, insert)

    def list_reviews(self, audit: str | int) -> list[ReviewRecord]:
        """The reviews of an audit, newest first."""
        with self._read() as session:
            target = audit_row(session, audit)
            query = (
                sa.select(ReviewRow)
                .where(ReviewRow.audit_id == target.id)
                .order_by(ReviewRow.created_at.desc(), ReviewRow.id.desc())
            )
            return [review_record(row) for row in session.scalars(query)]

    def latest_review_decisions(
        self, audits: Sequence[str], *, before: datetime | None = None
    ) -> dict[str, str]:
        """The decision of the newest review of each of ``audits`` that has one (``{"a3": "accept"}``; only
        reviews done before ``before`` when given, by ``reviewed_at``), read in one query per thousand audits."""
        numbers = [parse_id("a", ref, "audit") for ref in audits]
        decided: dict[str, str] = {}
        with self._read() as session:
            for start in range(0, len(numbers), 1000):
                query = (
                    sa.select(ReviewRow.audit_id, ReviewRow.decision)
                    .where(ReviewRow.audit_id.in_(numbers[start : start + 1000]))
                    .order_by(ReviewRow.created_at.desc(), ReviewRow.id.desc())
                )
                if before is not None:
                    query = query.where(
                        sa.func.coalesce(ReviewRow.reviewed_at, ReviewRow.created_at) < before
                    )
                for audit_id, decision in session.execute(query):
                    decided.setdefault(f"a{audit_id}", decision)
        return decided

    def get_contract(self, sha256: str) -> str | None:
        """The text of the contract with this SHA-256 (of its UTF-8 bytes), or None when none is stored."""
        sha = sha256.strip().lower()
        if not SHA256.fullmatch(sha):
            raise InvalidInputError("a SHA-256 of 64 hex digits", column="contract", got=repr(sha256))
        with self._read() as session:
            return session.scalar(sa.select(ContractRow.toml).where(ContractRow.sha256 == sha))

    def list_contracts(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """Every stored contract as (SHA-256, text, ids of the audits judged by it), in the order stored: what
        ``verify`` reads to name the contracts this version would refuse."""
        with self._read() as session:
            judged: dict[int, list[str]] = {}
            cited = sa.select(AuditRow.id, AuditRow.contract_id).where(AuditRow.contract_id.is_not(None))
            for audit_id, contract_id in session.execute(cited.order_by(AuditRow.id)):
                if contract_id is not None:  # never, by the query; for the type checker
                    judged.setdefault(contract_id, []).append(f"a{audit_id}")
            rows = session.execute(
                sa.select(ContractRow.id, ContractRow.sha256, ContractRow.toml).order_by(ContractRow.id)
            )
            return [(sha, toml, tuple(judged.get(number, ()))) for number, sha, toml in rows]


# -- session-level helpers ------------------------------------------------------------------------
def audit_row(session: Session, ref: str | int) -> AuditRow:
    """The audit ``ref``; ``NotFoundError`` names the latest audits."""
    number = parse_id("a", ref, "audit")
    row = session.get(AuditRow, number)
    if row is None:
        recent = session.scalars(sa.select(AuditRow.id).order_by(AuditRow.id.desc()).limit(5)).all()
        hint = ", ".join(f"a{n}" for n in recent) or "none yet"
        raise NotFoundError(f"unknown audit 'a{number}'; latest audits: {hint}")
    return row


def finding_record(row: FindingRow) -> FindingRecord:
    return FindingRecord(
        id=f"f{row.id}",
        audit=f"a{row.audit_id}",
        kind=row.kind,
        severity=row.severity,
        detail=row.detail,
        clause=row.clause,
        evidence=dict(row.evidence),
        action=row.action,
    )


def audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=f"a{row.id}",
        batch=row.batch.sha256[:SHORT_ID],
        batch_sha256=row.batch.sha256,
        partner=row.batch.partner.name,
        project=row.batch.project.name,
        created_at=row.created_at,
        verdict=row.verdict,
        reasons=tuple(dict(reason) for reason in row.reasons),
        metrics=dict(row.metrics),
        sampling_plan=None if row.sampling_plan is None else dict(row.sampling_plan),
        sample_tasks=tuple(row.sample_tasks),
        ethics=None if row.ethics is None else dict(row.ethics),
        method=row.method,
        contract_sha256=None if row.contract is None else row.contract.sha256,
        findings=tuple(finding_record(f) for f in sorted(row.findings, key=lambda f: f.position)),
        files=tuple(
            BatchFile(f.role, f.path, f.sha256, f.size_bytes) for f in sorted(row.files, key=lambda f: f.role)
        ),
    )


def review_record(row: ReviewRow) -> ReviewRecord:
    return ReviewRecord(
        id=f"r{row.id}",
        audit=f"a{row.audit_id}",
        created_at=row.created_at,
        reviewer=row.reviewer,
        n_inspected=row.n_inspected,
        n_defective=row.n_defective,
        decision=row.decision,
        file=BatchFile("results", row.path, row.sha256, row.size_bytes),
        reviewed_at=row.created_at if row.reviewed_at is None else row.reviewed_at,
    )


def contract_row(session: Session, actor: str, sha: str, toml: str | None) -> ContractRow:
    """The stored contract with this SHA-256, stored now (once per SHA-256, under its lock) when new."""
    lock(session.connection(), f"contract:{sha}")
    row = session.scalar(sa.select(ContractRow).where(ContractRow.sha256 == sha))
    if row is not None:
        return row
    if toml is None:
        raise NotFoundError(
            f"unknown contract {sha[:SHORT_ID]}...: give its text (contract_toml) the first time it is used"
        )
    row = ContractRow(sha256=sha, toml=toml, created_at=q.now())
    session.add(row)
    q.audit(session, actor, "contract.stored", f"contract:{sha}", {"size_chars": len(toml)})
    return row


def insert_audit(
    session: Session, actor: str, values: dict[str, Any], toml: str | None, placement: Placement | None
) -> AuditRecord:
    """Insert a checked audit (``AuditCreate.checked()``), its findings, files and audit-log line; flushes."""
    batch = q.batch_row(session, values["batch"])
    sha = values["contract_sha256"]
    contract = None if sha is None else contract_row(session, actor, sha, toml)
    row = AuditRow(
        batch=batch,
        contract=contract,
        created_at=q.now(),
        verdict=values["verdict"],
        method=values["method"],
        reasons=values["reasons"],
        metrics=values["metrics"],
        sampling_plan=values["sampling_plan"],
        sample_tasks=values["sample_tasks"],
        ethics=values["ethics"],
        files=[
            AuditFileRow(role=f.role, path=f.relative, sha256=f.sha256, size_bytes=f.size_bytes)
            for f in (placement.files.values() if placement is not None else ())
        ],
        findings=[FindingRow(position=i, **finding) for i, finding in enumerate(values["findings"])],
    )
    session.add(row)
    session.flush()
    record = audit_record(row)
    detail = {
        "batch": batch.sha256,
        "verdict": record.verdict,
        "method": record.method,
        "contract_sha256": sha,
        "n_findings": len(record.findings),
        "files": {f.role: f.path for f in record.files},
    }
    q.audit(session, actor, "audit.created", f"audit:{record.id}", detail)
    return record
