"""Trust, but check: every stored file against the SHA-256 its row recorded, and the database itself.

``Store.blob_path`` checks a file each time a command reads it (once per process for a file that did not
change since), so a label edited by hand in a stored consensus is refused instead of exported.
``Store.verify`` checks the whole workspace for ``labelpact verify``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from labelpact.errors import StoreError
from labelpact.store import queries as q
from labelpact.store.base import StoreBase
from labelpact.store.blobs import BATCHES, Placement
from labelpact.store.database import first_line
from labelpact.store.records import SHORT_ID, BatchFile, BatchRecord
from labelpact.store.schema import AuditFileRow, BatchFileRow, BatchRow, ContractRow, ReviewRow

__all__ = ["Damage", "IntegrityMethods", "file_damage"]

_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Damage:
    """One thing in the workspace that is not what the store recorded.

    ``kind``: "missing file", "changed file", "changed contract" or "database"; ``subject`` names the
    record it belongs to ("batch 3f2a9c01d4e5", "audit a7", "review r3", "contract 9b1d..."); ``path``
    is the blob path (relative to the blob root) or None.
    """

    kind: str
    subject: str
    path: str | None
    detail: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.subject}:{where} {self.kind} ({self.detail})"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def file_damage(path: Path, sha256: str, size_bytes: int) -> tuple[str, str] | None:
    """(kind, detail) when the file at ``path`` is missing or differs from its recorded hash and size."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing file", "no such file"
    if not path.is_file():
        return "missing file", "not a regular file"
    if size != size_bytes:
        return "changed file", f"{size} bytes where {size_bytes} were stored"
    actual = _sha256(path)
    if actual != sha256:
        return "changed file", f"sha256 {actual[:SHORT_ID]}... where {sha256[:SHORT_ID]}... was stored"
    return None


def _recorded(session: Session) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str]]]:
    """Every stored file as (subject, path, sha256, size), and every contract as (sha256, text)."""
    files: list[tuple[str, str, str, int]] = [
        (f"batch {sha[:SHORT_ID]}", path, file_sha, size)
        for sha, path, file_sha, size in session.execute(
            sa.select(BatchRow.sha256, BatchFileRow.path, BatchFileRow.sha256, BatchFileRow.size_bytes)
            .join(BatchRow, BatchFileRow.batch_id == BatchRow.id)
            .order_by(BatchRow.id, BatchFileRow.role)
        )
    ]
    files += [
        (f"audit a{audit}", path, sha, size)
        for audit, path, sha, size in session.execute(
            sa.select(
                AuditFileRow.audit_id, AuditFileRow.path, AuditFileRow.sha256, AuditFileRow.size_bytes
            ).order_by(AuditFileRow.audit_id, AuditFileRow.role)
        )
    ]
    files += [
        (f"review r{review}", path, sha, size)
        for review, path, sha, size in session.execute(
            sa.select(ReviewRow.id, ReviewRow.path, ReviewRow.sha256, ReviewRow.size_bytes).order_by(
                ReviewRow.id
            )
        )
    ]
    contracts = [
        (sha, toml) for sha, toml in session.execute(sa.select(ContractRow.sha256, ContractRow.toml))
    ]
    return files, contracts


class IntegrityMethods(StoreBase):
    """The store's checks of what it holds (a mixin of ``Store``)."""

    def blob_path(self, file: BatchFile, *, verify: bool = True) -> Path:
        """Where a stored file lies; with ``verify`` (the default) ``StoreError`` unless it still has its hash.

        A file is hashed once per process while its size and modification time stay the same.
        """
        path = self._blobs.path(file.path)
        if not verify:
            return path
        try:
            stat = path.stat()
        except FileNotFoundError:
            stat = None
        key = (str(path), stat.st_size, stat.st_mtime_ns) if stat is not None else None
        if key is not None and self._checked.get(key) == file.sha256:
            return path
        damage = file_damage(path, file.sha256, file.size_bytes)
        if damage is not None:
            raise StoreError(
                f"the stored file {file.path} cannot be trusted: {damage[0]}, {damage[1]}; it was changed "
                "outside labelpact (labelpact verify lists every damaged file)"
            )
        if key is not None:
            self._checked[key] = file.sha256
        return path

    def verify(self) -> list[Damage]:
        """Everything in the workspace that differs from what the store recorded; [] when all is intact.

        Checks every batch, audit and review file (exists, size, SHA-256), every contract's text against
        its SHA-256, and (SQLite) the database file's own integrity: a malformed database is damage, named
        as such, and the files are checked only as far as the damaged database still lists them.
        """
        damage: list[Damage] = []
        try:  # not self._read(): a damaged database is reported here, not turned into a StoreError
            with Session(self._engine) as session:
                if session.get_bind().dialect.name == "sqlite":
                    result = [str(r) for r in session.execute(sa.text("PRAGMA integrity_check")).scalars()]
                    if result != ["ok"]:
                        damage.append(Damage("database", "database", None, "; ".join(result[:3])))
                files, contracts = _recorded(session)
        except (
            sa.exc.DatabaseError
        ) as error:  # SQLite: "database disk image is malformed", "file is not a database"
            if self._engine.dialect.name != "sqlite" or isinstance(error, sa.exc.OperationalError):
                raise
            return damage or [Damage("database", "database", None, first_line(error))]
        for subject, path, sha, size in files:
            found = file_damage(self._blobs.path(path), sha, size)
            if found is not None:
                damage.append(Damage(found[0], subject, path, found[1]))
        for sha, toml in contracts:
            actual = hashlib.sha256(toml.encode("utf-8")).hexdigest()
            if actual != sha:
                damage.append(
                    Damage(
                        "changed contract",
                        f"contract {sha[:SHORT_ID]}",
                        None,
                        f"its text hashes to {actual[:SHORT_ID]}...",
                    )
                )
        return damage

    def damaged_batch_files(self, batch: BatchRecord) -> list[str]:
        """The roles of ``batch``'s stored files that are missing or differ from their recorded SHA-256."""
        return [f.role for f in batch.files if file_damage(self._blobs.path(f.path), f.sha256, f.size_bytes)]

    def restore_batch_files(self, batch: BatchRecord, files: Mapping[str, Path]) -> list[str]:
        """Put back ``batch``'s stored files that are missing or damaged from local ``files`` (role -> path)
        holding exactly the recorded bytes (same SHA-256 and size, same extension); returns the roles restored.
        Intact files, and files whose bytes differ from the record, are left alone; the audit log names the
        restore. The bytes are what the batch recorded, so nothing stored changes meaning."""
        wanted: dict[str, Path] = {}
        for role, source in files.items():
            stored = batch.file(role)
            if (
                stored is None
                or file_damage(self._blobs.path(stored.path), stored.sha256, stored.size_bytes) is None
            ):
                continue
            if Path(stored.path).suffix.lower() != Path(source).suffix.lower():
                continue  # staged under another name: it would not land where the record points
            if file_damage(Path(source), stored.sha256, stored.size_bytes) is None:
                wanted[role] = Path(source)
        if not wanted:
            return []

        def check(placement: Placement) -> None:
            for role, staged in placement.files.items():
                stored = batch.file(role)
                if stored is None or (staged.relative, staged.sha256) != (stored.path, stored.sha256):
                    raise StoreError(f"the file for {role} of batch {batch.id} changed while it was restored")

        def record(session: Session, _placement: Placement | None) -> None:
            q.audit(
                session,
                self.actor,
                "batch.files_restored",
                f"batch:{batch.sha256}",
                {"roles": sorted(wanted)},
            )

        self._write_with_files(BATCHES, batch.sha256, wanted, record, verify=check)
        return sorted(wanted)

    def count_stored(self) -> dict[str, int]:
        """How many stored files and contracts ``verify`` checks."""
        with self._read() as session:
            n_files = sum(
                session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in (BatchFileRow, AuditFileRow, ReviewRow)
            )
            n_contracts = session.scalar(sa.select(sa.func.count()).select_from(ContractRow)) or 0
        return {"files": n_files, "contracts": n_contracts}
