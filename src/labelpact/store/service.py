"""What the REST service keeps: users (API key holders) and their revocations, the request log, comments.

Users, revocations, the request log and dispute comments are append-only (revision 0004's triggers); a
job's row moves queued -> running -> succeeded | failed and then never changes. Audit log: ``user.added``
and ``user.revoked`` (subject ``user:<name>``), ``dispute.commented`` (subject ``dispute:d4``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

import sqlalchemy as sa

from labelpact.errors import ConflictError, InvalidInputError, NotFoundError
from labelpact.store import queries as q
from labelpact.store.audit_records import parse_id, plain_json
from labelpact.store.base import StoreBase
from labelpact.store.database import lock
from labelpact.store.schema import (
    AuditRow,
    BatchRow,
    DisputeCommentRow,
    DisputeRow,
    FindingRow,
    PartnerRow,
    RequestLogRow,
    UserRevocationRow,
    UserRow,
    WebSessionRow,
)

__all__ = [
    "REQUEST_OUTCOMES",
    "CommentRecord",
    "RequestEntry",
    "ServiceMethods",
    "UserRecord",
]

REQUEST_OUTCOMES = ("ok", "accepted", "denied", "invalid", "error")
# The request log is append-only and anyone who reaches the port adds lines to it (every 401 is logged): a
# line's detail is bounded like its columns, so a 12 KB path cannot grow the log by 12 KB a request.
MAX_DETAIL_TEXT = 500  # characters of one text value (a requested path, an error message)
MAX_DETAIL_JSON = 2000  # characters of the whole detail as JSON
ROLES = ("admin", "client")


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An API key holder; ``key_salt``/``key_hash`` check a presented key (the key itself is never stored)."""

    name: str
    role: str
    partner: str | None
    key_id: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    key_salt: str = field(repr=False)
    key_hash: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class RequestEntry:
    """One line of the request log: who (``actor``, ``role``) did ``action`` to ``object`` and how it ended."""

    id: int
    at: datetime
    request_id: str
    actor: str
    role: str
    action: str
    object: str
    outcome: str
    status: int
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CommentRecord:
    """What ``author`` said on dispute ``dispute`` at ``at``."""

    id: str
    dispute: str
    at: datetime
    author: str
    text: str


def _user_record(row: UserRow) -> UserRecord:
    return UserRecord(
        name=row.name,
        role=row.role,
        partner=None if row.partner is None else row.partner.name,
        key_id=row.key_id,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=None if row.revocation is None else row.revocation.revoked_at,
        key_salt=row.key_salt,
        key_hash=row.key_hash,
    )


def _comment_record(row: DisputeCommentRow) -> CommentRecord:
    return CommentRecord(
        id=f"c{row.id}", dispute=f"d{row.dispute_id}", at=row.at, author=row.author, text=row.text
    )


def _bounded_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """``detail`` with each text cut to ``MAX_DETAIL_TEXT`` characters (ending in "…" when cut) and, past
    ``MAX_DETAIL_JSON`` characters of JSON in all, only the keys that fit and ``"truncated": true``."""
    bounded: dict[str, Any] = {}
    size = 0
    for key, value in detail.items():
        name = str(key)[:100]
        if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
            value = value[: MAX_DETAIL_TEXT - 1] + "…"
        entry = len(json.dumps({name: value}, default=str))
        if size + entry > MAX_DETAIL_JSON:
            bounded["truncated"] = True
            break
        bounded[name], size = value, size + entry
    return bounded


class ServiceMethods(StoreBase):
    """The store's methods for the REST service (a mixin of ``Store``)."""

    def acting_as(self, actor: str) -> Self:
        """This store (same engine and blobs) naming ``actor`` in the audit log; never close the copy."""
        clone = copy.copy(self)
        clone.actor = actor
        return clone

    # -- users ------------------------------------------------------------------------------------
    def add_user(
        self, name: str, *, role: str, partner: str | None, key_id: str, salt: str, digest: str
    ) -> UserRecord:
        """Add an API key holder; ``role`` is admin | client | partner:<partner>. ``ConflictError`` if taken."""
        if role not in ROLES and role != f"partner:{partner}":
            raise InvalidInputError(
                "a role admin, client or partner:NAME", column="role", column_kind="field", got=repr(role)
            )
        try:
            with self._write() as session:
                partner_id = None if partner is None else q.partner_row(session, partner).id
                row = UserRow(
                    name=name,
                    role=role,
                    partner_id=partner_id,
                    key_id=key_id,
                    key_salt=salt,
                    key_hash=digest,
                    created_at=q.now(),
                    created_by=self.actor,
                )
                session.add(row)
                session.flush()
                session.refresh(row)
                record = _user_record(row)
                q.audit(session, self.actor, "user.added", f"user:{name}", {"role": role})
                return record
        except sa.exc.IntegrityError:
            raise ConflictError(f"a user named {name!r} exists already (names are never reused)") from None

    def list_users(self) -> list[UserRecord]:
        with self._read() as session:
            rows = session.scalars(sa.select(UserRow).order_by(UserRow.id)).unique()
            return [_user_record(row) for row in rows]

    def get_user(self, name: str) -> UserRecord:
        with self._read() as session:
            row = session.scalars(sa.select(UserRow).where(UserRow.name == name)).unique().one_or_none()
            if row is None:
                known = list(session.scalars(sa.select(UserRow.name).order_by(UserRow.name)))
                raise q.unknown("user", name, known)
            return _user_record(row)

    def find_user_by_key_id(self, key_id: str) -> UserRecord | None:
        """The user whose key has this public part, revoked or not; None when there is none."""
        with self._read() as session:
            row = session.scalars(sa.select(UserRow).where(UserRow.key_id == key_id)).unique().one_or_none()
            return None if row is None else _user_record(row)

    def revoke_user(self, name: str) -> UserRecord:
        """Stop ``name``'s key from working, for good; ``ConflictError`` when it is revoked already."""
        try:
            with self._write() as session:
                row = session.scalars(sa.select(UserRow).where(UserRow.name == name)).unique().one_or_none()
                if row is None:
                    known = list(session.scalars(sa.select(UserRow.name).order_by(UserRow.name)))
                    raise q.unknown("user", name, known)
                if row.revocation is not None:
                    raise ConflictError(
                        f"user {name!r} was revoked at {row.revocation.revoked_at.isoformat()}"
                    )
                session.add(UserRevocationRow(user_id=row.id, revoked_at=q.now(), revoked_by=self.actor))
                session.execute(sa.delete(WebSessionRow).where(WebSessionRow.user_id == row.id))  # signed out
                session.flush()
                session.refresh(row)
                record = _user_record(row)
                q.audit(session, self.actor, "user.revoked", f"user:{name}", {"role": row.role})
                return record
        except sa.exc.IntegrityError:
            raise ConflictError(f"user {name!r} was revoked by someone else just now") from None

    # -- request log ------------------------------------------------------------------------------
    def log_request(
        self,
        *,
        request_id: str,
        actor: str,
        role: str,
        action: str,
        object: str,
        outcome: str,
        status: int,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one line to the request log (its own transaction)."""
        if outcome not in REQUEST_OUTCOMES:
            raise InvalidInputError(
                f"an outcome ({', '.join(REQUEST_OUTCOMES)})", column="outcome", got=outcome
            )
        with self._write() as session:
            session.add(
                RequestLogRow(
                    at=q.now(),
                    request_id=request_id[:64],
                    actor=actor[:200],
                    role=role[:220],
                    action=action[:100],
                    object=object[:300],
                    outcome=outcome,
                    status=status,
                    detail=plain_json(_bounded_detail(detail or {}), "detail", non_finite="null"),
                )
            )

    def request_log(self, *, actor: str | None = None, limit: int | None = None) -> list[RequestEntry]:
        """The request log, oldest first (the last ``limit`` lines when given)."""
        query = sa.select(RequestLogRow).order_by(RequestLogRow.id.desc())
        if actor is not None:
            query = query.where(RequestLogRow.actor == actor)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as session:
            rows = list(session.scalars(query))
        return [
            RequestEntry(
                id=r.id,
                at=r.at,
                request_id=r.request_id,
                actor=r.actor,
                role=r.role,
                action=r.action,
                object=r.object,
                outcome=r.outcome,
                status=r.status,
                detail=dict(r.detail),
            )
            for r in reversed(rows)
        ]

    def finding_owner(self, ref: str | int) -> tuple[str, str]:
        """The audit (``a7``) and the partner a finding (``f12``) belongs to; ``NotFoundError`` otherwise."""
        number = parse_id("f", ref, "finding")
        with self._read() as session:
            query = (
                sa.select(FindingRow.audit_id, PartnerRow.name)
                .join(AuditRow, FindingRow.audit_id == AuditRow.id)
                .join(BatchRow, AuditRow.batch_id == BatchRow.id)
                .join(PartnerRow, BatchRow.partner_id == PartnerRow.id)
                .where(FindingRow.id == number)
            )
            found = session.execute(query).one_or_none()
        if found is None:
            raise NotFoundError(f"unknown finding 'f{number}'")
        return f"a{found[0]}", str(found[1])

    # -- dispute comments -------------------------------------------------------------------------
    def add_comment(self, dispute: str | int, *, text: str, author: str | None = None) -> CommentRecord:
        """Append ``text`` to dispute ``dispute``'s discussion; a resolved dispute takes no more comments."""
        number = parse_id("d", dispute, "dispute")
        if not text.strip():
            raise InvalidInputError("a non-blank comment", column="text", column_kind="field")
        by = author if author is not None else self.actor
        with self._write() as session:
            # a resolve holds it until it commits: then the comment reads the dispute resolved, and is refused
            lock(session.connection(), f"dispute:{number}")
            row = session.get(DisputeRow, number)
            if row is None:
                raise NotFoundError(f"unknown dispute 'd{number}'")
            if max(row.events, key=lambda e: e.seq).status != "open":
                raise ConflictError(f"dispute d{number} is resolved; it takes no more comments")
            comment = DisputeCommentRow(dispute_id=number, at=q.now(), author=by, text=text)
            session.add(comment)
            session.flush()
            record = _comment_record(comment)
            q.audit(
                session,
                self.actor,
                "dispute.commented",
                f"dispute:d{number}",
                {"comment": record.id, "by": by},
            )
            return record

    def list_comments(self, dispute: str | int) -> list[CommentRecord]:
        number = parse_id("d", dispute, "dispute")
        with self._read() as session:
            query = (
                sa.select(DisputeCommentRow)
                .where(DisputeCommentRow.dispute_id == number)
                .order_by(DisputeCommentRow.id)
            )
            return [_comment_record(row) for row in session.scalars(query)]
