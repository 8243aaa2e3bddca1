"""A partner's ledger of events, and disputes of findings: both appended to, never rewritten.

A dispute row never changes; its states are ``dispute_events`` rows: ``seq`` 0 "open" when it is opened,
then one resolution, "upheld" (the partner was right: the finding does not stand), "rejected" (the
finding stands) or "withdrawn" (by whoever opened it). The status is the latest state; a resolved dispute
cannot be resolved again (``ConflictError``; the unique (dispute, seq) is the backstop against a race).
Audit log: ``event.added`` (subject ``partner:<name>``), ``dispute.opened`` and ``dispute.resolved``
(subject ``dispute:d4``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from labelpact.errors import ConflictError, InvalidInputError, NotFoundError
from labelpact.partners.events import EVENT_KINDS, folded_name
from labelpact.store import queries as q
from labelpact.store.audit_records import parse_id
from labelpact.store.base import StoreBase
from labelpact.store.database import lock
from labelpact.store.records import SHORT_ID
from labelpact.store.schema import AuditRow, BatchRow, DisputeEventRow, DisputeRow, EventRow, FindingRow

__all__ = [
    "CERTAINTIES",
    "DISPUTE_RESOLUTIONS",
    "EVENT_KINDS",
    "DisputeRecord",
    "EventCreate",
    "EventRecord",
    "LedgerMethods",
]

# How sure the source is (shared/case/RESEARCH.md): a party confirmed it ... a party disputes it.
CERTAINTIES = ("confirmed", "reported", "single-source", "anonymous-sources", "disputed", "company-stated")
DISPUTE_RESOLUTIONS = ("upheld", "rejected", "withdrawn")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A fact about a partner on ``date``; ``actor`` is who acted (an investor, the executive who left)."""

    id: str
    partner: str
    kind: str
    date: dt.date
    actor: str | None
    magnitude: float | None
    summary: str | None
    source_url: str | None
    certainty: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EventCreate:
    """A fact to add to ``partner``'s ledger: the arguments of ``add_event``, for ``add_events``."""

    partner: str
    kind: str
    date: dt.date
    actor: str | None = None
    magnitude: float | None = None
    summary: str | None = None
    source_url: str | None = None
    certainty: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    """A partner's objection to finding ``finding`` of audit ``audit``, with its current state."""

    id: str
    finding: str
    audit: str
    batch: str
    partner: str
    opened_by: str
    opened_at: dt.datetime
    text: str
    status: str
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution: str | None


class LedgerMethods(StoreBase):
    """The store's event and dispute methods (a mixin of ``Store``)."""

    # -- events -----------------------------------------------------------------------------------
    def add_event(
        self,
        partner: str,
        *,
        kind: str,
        date: dt.date,
        actor: str | None = None,
        magnitude: float | None = None,
        summary: str | None = None,
        source_url: str | None = None,
        certainty: str | None = None,
    ) -> EventRecord:
        """Add a fact to ``partner``'s ledger; ``kind`` one of ``EVENT_KINDS``, ``certainty`` of ``CERTAINTIES``."""
        _check_event(kind, date, magnitude, certainty, source_url)
        with self._write() as session:
            row = EventRow(
                partner=q.partner_row(session, partner),
                kind=kind,
                date=date,
                actor=actor,
                magnitude=None if magnitude is None else float(magnitude),
                summary=summary,
                source_url=source_url,
                certainty=certainty,
                created_at=q.now(),
            )
            session.add(row)
            session.flush()
            record = event_record(row)
            detail = {"event": record.id, "kind": kind, "date": date, "actor": actor, "magnitude": magnitude}
            q.audit(session, self.actor, "event.added", f"partner:{partner}", detail)
            return record

    def list_events(self, partner: str | None = None, *, until: dt.date | None = None) -> list[EventRecord]:
        """Events in date order (oldest first, then as recorded), of one partner, up to ``until`` inclusive."""
        query = sa.select(EventRow).order_by(EventRow.date, EventRow.id)
        if until is not None:
            query = query.where(EventRow.date <= until)
        with self._read() as session:
            if partner is not None:
                query = query.where(EventRow.partner_id == q.partner_row(session, partner).id)
            return [event_record(row) for row in session.scalars(query)]

    def add_events(self, events: Sequence[EventCreate]) -> list[tuple[EventRecord, bool]]:
        """Add facts in one transaction, skipping each one identical in every field to one already in its
        partner's ledger (or earlier in ``events``): importing a file twice adds nothing the second time.

        Returns, per input in order, its event (the existing one when skipped) and whether it was added.
        """
        for e in events:
            _check_event(e.kind, e.date, e.magnitude, e.certainty, e.source_url)
        if not events:
            return []
        results: list[tuple[EventRecord, bool]] = []
        with self._write() as session:
            partners = {
                name: q.partner_row(session, name) for name in dict.fromkeys(e.partner for e in events)
            }
            for name in sorted(partners):
                lock(session.connection(), f"events:{name}")
            query = sa.select(EventRow).where(EventRow.partner_id.in_([p.id for p in partners.values()]))
            held: dict[_EventKey, EventRecord] = {}
            for record in map(event_record, session.scalars(query.order_by(EventRow.id))):
                held.setdefault(_event_key(record), record)  # the oldest of identical events stands for them
            for e in events:
                if (known := held.get(_event_key(e))) is not None:
                    results.append((known, False))
                    continue
                row = EventRow(
                    partner=partners[e.partner],
                    kind=e.kind,
                    date=e.date,
                    actor=e.actor,
                    magnitude=None if e.magnitude is None else float(e.magnitude),
                    summary=e.summary,
                    source_url=e.source_url,
                    certainty=e.certainty,
                    created_at=q.now(),
                )
                session.add(row)
                session.flush()
                record = event_record(row)
                held[_event_key(record)] = record
                results.append((record, True))
                detail = {
                    "event": record.id,
                    "kind": e.kind,
                    "date": e.date,
                    "actor": e.actor,
                    "magnitude": e.magnitude,
                }
                q.audit(session, self.actor, "event.added", f"partner:{e.partner}", detail)
        return results

    # -- disputes ---------------------------------------------------------------------------------
    def open_dispute(self, finding: str | int, *, text: str, opened_by: str | None = None) -> DisputeRecord:
        """Dispute a finding (``f12``); one open dispute per finding at a time (``ConflictError`` otherwise).

        ``opened_by`` defaults to the store's actor (who opened the store, e.g. ``partner:Scale``).
        """
        number = parse_id("f", finding, "finding")
        if not text.strip():
            raise InvalidInputError("a non-blank dispute text", column="text")
        by = _actor(opened_by, self.actor)
        with self._write() as session:
            lock(session.connection(), f"finding:{number}")
            target = session.get(FindingRow, number)
            if target is None:
                raise NotFoundError(f"unknown finding 'f{number}'")
            for other in session.scalars(sa.select(DisputeRow).where(DisputeRow.finding_id == number)):
                if other.events[-1].status == "open":
                    raise ConflictError(f"finding f{number} already has an open dispute, d{other.id}")
            now = q.now()
            row = DisputeRow(finding=target, opened_by=by, opened_at=now, text=text)
            row.events.append(DisputeEventRow(seq=0, status="open", at=now, actor=by, note=None))
            session.add(row)
            session.flush()
            record = dispute_record(row)
            detail = {"finding": record.finding, "audit": record.audit, "opened_by": by, "text": text}
            q.audit(session, self.actor, "dispute.opened", f"dispute:{record.id}", detail)
            return record

    def resolve_dispute(
        self, dispute: str | int, *, status: str, resolution: str | None = None, by: str | None = None
    ) -> DisputeRecord:
        """Close an open dispute as upheld, rejected or withdrawn; the one way a dispute's status changes."""
        number = parse_id("d", dispute, "dispute")
        if status not in DISPUTE_RESOLUTIONS:
            raise InvalidInputError(
                "a status of upheld, rejected or withdrawn", column="status", got=repr(status)
            )
        actor = _actor(by, self.actor)
        try:
            with self._write() as session:
                lock(session.connection(), f"dispute:{number}")
                row = _dispute_row(session, number)
                last = row.events[-1]
                if last.status != "open":
                    raise ConflictError(
                        f"dispute d{number} is already {last.status} (by {last.actor}, {last.at:%Y-%m-%d %H:%M} UTC)"
                    )
                row.events.append(
                    DisputeEventRow(seq=last.seq + 1, status=status, at=q.now(), actor=actor, note=resolution)
                )
                session.flush()
                record = dispute_record(row)
                detail = {"status": status, "resolution": resolution, "by": actor, "finding": record.finding}
                q.audit(session, self.actor, "dispute.resolved", f"dispute:{record.id}", detail)
                return record
        except sa.exc.IntegrityError:  # another resolver won the race for seq 1
            raise ConflictError(f"dispute d{number} was resolved by someone else just now") from None

    def get_dispute(self, ref: str | int) -> DisputeRecord:
        number = parse_id("d", ref, "dispute")
        with self._read() as session:
            return dispute_record(_dispute_row(session, number))

    def list_disputes(
        self, *, partner: str | None = None, audit: str | int | None = None, status: str | None = None
    ) -> list[DisputeRecord]:
        """Disputes, newest first, optionally of one partner's batches, one audit, or in one status."""
        query = (
            sa.select(DisputeRow)
            .join(FindingRow, DisputeRow.finding_id == FindingRow.id)
            .join(AuditRow, FindingRow.audit_id == AuditRow.id)
            .join(BatchRow, AuditRow.batch_id == BatchRow.id)
            .order_by(DisputeRow.opened_at.desc(), DisputeRow.id.desc())
        )
        if audit is not None:
            query = query.where(AuditRow.id == parse_id("a", audit, "audit"))
        with self._read() as session:
            if partner is not None:
                query = query.where(BatchRow.partner_id == q.partner_row(session, partner).id)
            records = [dispute_record(row) for row in session.scalars(query).unique()]
        return [r for r in records if status is None or r.status == status]


def _check_event(
    kind: str, date: dt.date, magnitude: float | None, certainty: str | None, source_url: str | None
) -> None:
    if kind not in EVENT_KINDS:
        raise InvalidInputError(f"an event kind ({', '.join(EVENT_KINDS)})", column="kind", got=repr(kind))
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise InvalidInputError("a date (no time of day)", column="date", got=repr(date))
    if magnitude is not None and (isinstance(magnitude, bool) or not math.isfinite(magnitude)):
        raise InvalidInputError("a finite magnitude or none", column="magnitude", got=repr(magnitude))
    if certainty is not None and certainty not in CERTAINTIES:
        raise InvalidInputError(
            f"a certainty ({', '.join(CERTAINTIES)})", column="certainty", got=repr(certainty)
        )
    if source_url is not None and not source_url.startswith(("https://", "http://")):
        raise InvalidInputError("an http(s) URL", column="source_url", got=repr(source_url))


_EventKey = tuple[str, str, dt.date, str | None, float | None, str | None, str | None, str | None]


def _event_key(e: EventRecord | EventCreate) -> _EventKey:
    """What makes two events the same fact: every field but the id and when it was recorded (1 == 1.0), the
    actor compared as the forecast reads it (``folded_name``: "Rival Corp" is "RIVAL  CORP"), so the same
    stake typed twice is stored, and counted, once. Stored rows are read, never rewritten."""
    actor = None if e.actor is None else folded_name(e.actor)
    return (e.partner, e.kind, e.date, actor, e.magnitude, e.summary, e.source_url, e.certainty)


def event_record(row: EventRow) -> EventRecord:
    return EventRecord(
        id=f"e{row.id}",
        partner=row.partner.name,
        kind=row.kind,
        date=row.date,
        actor=row.actor,
        magnitude=row.magnitude,
        summary=row.summary,
        source_url=row.source_url,
        certainty=row.certainty,
        created_at=row.created_at,
    )


def _dispute_row(session: Session, number: int) -> DisputeRow:
    row = session.get(DisputeRow, number)
    if row is None:
        raise NotFoundError(f"unknown dispute 'd{number}'")
    return row


def dispute_record(row: DisputeRow) -> DisputeRecord:
    states = sorted(row.events, key=lambda e: e.seq)
    last = states[-1]
    resolved = last.status != "open"
    batch = row.finding.audit.batch
    return DisputeRecord(
        id=f"d{row.id}",
        finding=f"f{row.finding_id}",
        audit=f"a{row.finding.audit_id}",
        batch=batch.sha256[:SHORT_ID],
        partner=batch.partner.name,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        text=row.text,
        status=last.status,
        resolved_by=last.actor if resolved else None,
        resolved_at=last.at if resolved else None,
        resolution=last.note if resolved else None,
    )


def _actor(by: str | None, default: str) -> str:
    """Who acts on a dispute: ``by`` as given (surrounding spaces dropped), else the store's actor."""
    if by is None:
        return default
    name = by.strip()
    if not name or not name.isprintable():
        raise InvalidInputError(
            "a name of who acts (non-blank, no control characters)", column="by", got=repr(by)
        )
    return name
