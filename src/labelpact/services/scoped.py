"""The use cases as a caller of the service sees them: the same services the CLI calls, behind the rules of
``access`` (a partner sees only its own objects; client-only things are refused), returning the CLI's
``--json`` documents. Lists are lists of objects with an ``id``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from labelpact.config import Settings
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.io.contract import parse_contract_text
from labelpact.services.access import Principal, hidden_from, require_admin, require_client, require_owner
from labelpact.services.allocation import allocate_work
from labelpact.services.audit import audit_rows, audit_stored_batch, stored_audit_document
from labelpact.services.disputes import dispute_dict, list_disputes, open_dispute, resolve_dispute
from labelpact.services.events import list_events, record_event
from labelpact.services.health import HORIZONS, partner_health
from labelpact.services.ingest import batch_dict
from labelpact.services.redelivery import OTHER_PARTNERS
from labelpact.services.requests_log import entry_dict, read_log
from labelpact.store import AuditRecord, BatchRecord, DisputeRecord, Store

__all__ = [
    "RESOLUTION_ALIASES",
    "Store",
    "add_event",
    "allocation",
    "audit_job",
    "batch_dict",
    "comment",
    "get_audit",
    "get_batch",
    "get_dispute",
    "get_partner",
    "health",
    "list_audit_rows",
    "list_batch_dicts",
    "list_dispute_dicts",
    "list_event_dicts",
    "list_findings",
    "list_partner_dicts",
    "log_entries",
    "me",
    "open_finding_dispute",
    "open_service_store",
    "resolve",
    "risk",
]

# DESIGN.md's resolution words and the store's: "accepted" (the partner was right) is "upheld".
RESOLUTION_ALIASES = {
    "accepted": "upheld",
    "upheld": "upheld",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
}


def open_service_store(settings: Settings) -> Store:
    """The store the service keeps open while it runs (created and migrated to head when new)."""
    return Store.open(settings, actor="server")


def me(principal: Principal) -> dict[str, Any]:
    return {"user": principal.user, "role": principal.role, "partner": principal.partner}


# -- partners -------------------------------------------------------------------------------------
def list_partner_dicts(store: Store, principal: Principal) -> list[dict[str, Any]]:
    return [
        {"id": p.name} | dataclasses.asdict(p) for p in store.list_partners() if principal.may_see(p.name)
    ]


def get_partner(store: Store, principal: Principal, name: str) -> dict[str, Any]:
    """``labelpact partner show NAME --json``."""
    require_owner(principal, name, "partner", name)
    with hidden_from(principal, "partner", name):
        record = store.get_partner(name)
    batches = store.list_batches(partner=record.name)
    return {"id": record.name} | dataclasses.asdict(record) | {"batches": [b.id for b in batches]}


def _horizon(horizon_days: int) -> int:
    if horizon_days not in HORIZONS:
        raise InvalidInputError(
            f"a horizon of {', '.join(map(str, HORIZONS))} days", column="horizon", got=str(horizon_days)
        )
    return horizon_days


def health(
    store: Store, principal: Principal, name: str, *, as_of: date | None = None, horizon_days: int = 180
) -> dict[str, Any]:
    """``labelpact health --json``; a partner sees only its own scorecard (no ledger, risk or alarms)."""
    require_owner(principal, name, "partner", name)
    with hidden_from(principal, "partner", name):
        document = partner_health(store, name, as_of=as_of, horizon_days=_horizon(horizon_days)).document
    if principal.is_partner:
        return {key: document[key] for key in ("partner", "as_of", "scorecard")}
    return document


def risk(
    store: Store, principal: Principal, name: str, *, as_of: date | None = None, horizon_days: int = 180
) -> dict[str, Any]:
    """The breakdown forecast of ``labelpact health``, for the client only."""
    require_client(principal, "a partnership's risk forecast")
    document = partner_health(store, name, as_of=as_of, horizon_days=_horizon(horizon_days)).document
    return {key: document[key] for key in ("partner", "as_of", "risk", "client")}


# -- batches --------------------------------------------------------------------------------------
def _partner_filter(principal: Principal, partner: str | None) -> str | None:
    if principal.partner is None:
        return partner
    if partner is not None and partner != principal.partner:
        raise InvalidInputError(
            f"your own partner name ({principal.partner}) or none",
            column="partner",
            column_kind="field",
            got=repr(partner),
        )
    return principal.partner


def list_batch_dicts(
    store: Store, principal: Principal, *, partner: str | None = None, project: str | None = None
) -> list[dict[str, Any]]:
    """``labelpact batches list --json``'s batches; a partner's list holds only its own."""
    with hidden_from(principal, "project", project or ""):
        records = store.list_batches(partner=_partner_filter(principal, partner), project=project)
    if principal.is_partner and project is not None and not records:  # another's project reads as unknown
        raise NotFoundError(f"unknown project {project!r}")
    return [batch_dict(b) for b in records]


def _batch(store: Store, principal: Principal, ref: str) -> BatchRecord:
    with hidden_from(principal, "batch", ref):
        try:
            record = store.get_batch(ref)
        except InvalidInputError as error:
            if principal.partner is None or error.got is None or "which matches" not in error.got:
                raise
            record = _own_batch(store, principal.partner, ref)  # the ambiguity must not name others' batches
    require_owner(principal, record.partner, "batch", ref)
    return record


def _own_batch(store: Store, partner: str, ref: str) -> BatchRecord:
    """The one batch of ``partner`` whose SHA-256 starts with ``ref``."""
    prefix = ref.strip().lower()
    found = [b for b in store.list_batches(partner=partner) if b.sha256.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"unknown batch {ref!r}")
    raise InvalidInputError(
        "a batch id prefix that matches one batch",
        column="batch",
        column_kind="field",
        got=f"{ref!r}, which matches {', '.join(b.id for b in found[:5])}",
    )


def get_batch(store: Store, principal: Principal, ref: str) -> dict[str, Any]:
    return batch_dict(_batch(store, principal, ref))


# -- audits ---------------------------------------------------------------------------------------
def list_audit_rows(store: Store, principal: Principal, *, batch: str | None = None) -> list[dict[str, Any]]:
    """``labelpact audits list --json``'s rows; ``batch`` (an id or prefix) is resolved within the caller's
    scope first and the list is read by the batch it resolved to, so that a prefix that other partners'
    batches also match never names them."""
    batch_id = None if batch is None else _batch(store, principal, batch).id
    rows = audit_rows(store, batch=batch_id, partner=principal.partner)
    return [{"id": row["audit"]} | row for row in rows]


def _audit(store: Store, principal: Principal, ref: str) -> AuditRecord:
    with hidden_from(principal, "audit", ref):
        record = store.get_audit(ref)
    require_owner(principal, record.partner, "audit", ref)
    return record


def get_audit(store: Store, principal: Principal, ref: str) -> dict[str, Any]:
    """``labelpact audits show --json`` of one audit."""
    record = _audit(store, principal, ref)
    document = {"id": record.id} | stored_audit_document(store, record)
    if principal.is_partner:  # another partner's batches are the client's to see
        for finding in document["findings"]:
            if isinstance(finding["evidence"], dict) and OTHER_PARTNERS in finding["evidence"]:
                finding["evidence"] = {k: v for k, v in finding["evidence"].items() if k != OTHER_PARTNERS}
    return document


def list_findings(store: Store, principal: Principal, ref: str) -> list[dict[str, Any]]:
    return list(get_audit(store, principal, ref)["findings"])


def audit_job(
    store: Store, principal: Principal, batch: str, *, contract: str | None = None
) -> tuple[str, Callable[[Store], dict[str, Any]]]:
    """Check that the caller may audit ``batch`` now; returns the batch id and the work (run it in a job).

    The work re-audits the stored batch from its stored blobs (``audit_stored_batch``), against
    ``contract`` (TOML text; the partner's contract on file when None) and returns the ``labelpact audit
    --json`` document.
    """
    require_client(principal, "auditing a batch")
    record = _batch(store, principal, batch)
    if contract is not None and not contract.strip():
        raise InvalidInputError(
            "contract TOML text or no contract", column="contract", column_kind="field", got="blank text"
        )
    if contract is not None:  # a bad contract is the caller's input: refused now, not by the job later
        parse_contract_text(contract, source="contract")

    def work(job_store: Store) -> dict[str, Any]:
        result = audit_stored_batch(job_store, record.id, contract_toml=contract)
        return {"id": result.audit.id} | result.document

    return record.id, work


# -- disputes -------------------------------------------------------------------------------------
def _dispute_doc(store: Store, record: DisputeRecord) -> dict[str, Any]:
    comments = [dataclasses.asdict(c) for c in store.list_comments(record.id)]
    return dispute_dict(record) | {"comments": comments}


def open_finding_dispute(store: Store, principal: Principal, finding: str, *, text: str) -> dict[str, Any]:
    """``labelpact dispute open FINDING --json``: a partner disputes its own finding, the client any."""
    with hidden_from(principal, "finding", finding):
        _, owner = store.finding_owner(finding)
    require_owner(principal, owner, "finding", finding)
    if not text.strip():
        raise InvalidInputError(
            "a non-blank text saying why the finding is wrong", column="text", column_kind="field"
        )
    return _dispute_doc(store, open_dispute(store, finding, text=text, by=principal.actor))


def list_dispute_dicts(
    store: Store, principal: Principal, *, status: str | None = None
) -> list[dict[str, Any]]:
    """``labelpact disputes --json``; ``status`` is open or a resolution word (``accepted`` = upheld)."""
    if status is not None:
        if status not in ("open", *RESOLUTION_ALIASES):
            raise InvalidInputError(
                f"a status among open, {', '.join(RESOLUTION_ALIASES)}",
                column="status",
                column_kind="parameter",
                got=repr(status),
            )
        status = RESOLUTION_ALIASES.get(status, status)
    return [dispute_dict(d) for d in list_disputes(store, partner=principal.partner, status=status)]


def _dispute(store: Store, principal: Principal, ref: str) -> DisputeRecord:
    with hidden_from(principal, "dispute", ref):
        record = store.get_dispute(ref)
    require_owner(principal, record.partner, "dispute", ref)
    return record


def get_dispute(store: Store, principal: Principal, ref: str) -> dict[str, Any]:
    return _dispute_doc(store, _dispute(store, principal, ref))


def comment(store: Store, principal: Principal, ref: str, *, text: str) -> dict[str, Any]:
    """Add a comment to an open dispute; the dispute with its comments."""
    record = _dispute(store, principal, ref)
    store.add_comment(record.id, text=text, author=principal.actor)
    return _dispute_doc(store, record)


def resolve(store: Store, principal: Principal, ref: str, *, status: str, note: str | None) -> dict[str, Any]:
    """``labelpact dispute resolve --json``: only the client closes a dispute."""
    require_client(principal, "resolving a dispute")
    if status not in RESOLUTION_ALIASES:
        raise InvalidInputError(
            f"a status ({', '.join(RESOLUTION_ALIASES)})", column="status", got=repr(status)
        )
    record = resolve_dispute(store, ref, status=RESOLUTION_ALIASES[status], note=note, by=principal.actor)
    return _dispute_doc(store, record)


# -- the client's own views -----------------------------------------------------------------------
def list_event_dicts(
    store: Store, principal: Principal, *, partner: str | None = None
) -> list[dict[str, Any]]:
    """``labelpact events list --json``'s events: the client's ledger."""
    require_client(principal, "the events ledger")
    return [e.to_dict() for e in list_events(store, partner)]


def add_event(store: Store, principal: Principal, fields: dict[str, Any]) -> dict[str, Any]:
    """``labelpact event add --json``: ``fields`` are the command's options (partner, kind, date, ...)."""
    require_client(principal, "the events ledger")
    added = record_event(
        store,
        str(fields["partner"]),
        kind=str(fields["kind"]),
        date=fields["date"],
        actor=fields.get("actor"),
        magnitude=fields.get("magnitude"),
        summary=fields.get("summary"),
        source_url=fields.get("source") or fields.get("source_url"),
        certainty=fields.get("certainty"),
    )
    return added.to_dict() | {"created": added.created}


def allocation(
    store: Store,
    principal: Principal,
    project: str,
    *,
    labels: int | None = None,
    budget: float | None = None,
    horizon_days: int = 180,
) -> dict[str, Any]:
    """``labelpact allocate --json``."""
    require_client(principal, "the allocation of work")
    return allocate_work(
        store,
        project,
        labels=labels if labels is not None or budget is not None else 10_000,
        budget=budget,
        horizon_days=_horizon(horizon_days),
    ).document


def log_entries(store: Store, principal: Principal, *, limit: int | None = None) -> list[dict[str, Any]]:
    require_admin(principal, "the request log")
    return [entry_dict(e) for e in read_log(store, limit=limit)]
