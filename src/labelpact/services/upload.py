"""A delivery uploaded to the service: ingested as ``labelpact ingest`` would, as the partner that uploads it.

A partner uploads only as itself, and its delivery is dated by the server's clock (it cannot set its own
``delivered_at`` or ``due_at``); no one dates a delivery in the future. Errors about the uploaded file
name it as the caller sent it, not where the server staged it. Labels go through ``ingest_batch``;
preferences, ratings and demonstrations (``kind``, or the file's header) through ``ingest_deliverable``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from labelpact.errors import ForbiddenError, InvalidInputError
from labelpact.services.access import Principal, hidden_from
from labelpact.services.ingest import ingest_batch, ingest_document
from labelpact.services.refinement_audit import file_kind, ingest_deliverable, kind_ingest_document
from labelpact.store import Store

__all__ = ["check_upload", "upload"]


def check_upload(principal: Principal, *, partner: str | None, gold: bool, dated: Collection[str]) -> str:
    """The partner an upload is delivered by, once the caller may upload it: run before any file is read.

    A partner uploads only as itself, never gold (gold is the client's check of its labels: a batch the
    partner checked itself would be "verified"), and never dates its delivery: ``dated`` names the time
    fields the caller set (``delivered_at``, ``due_at``). The lab's on-time rate, SLA signal and quality
    series rest on those times, so for a partner's delivery they are the server's clock when it arrived."""
    if principal.is_partner and partner not in (None, principal.partner):
        raise InvalidInputError(
            f"your own partner name ({principal.partner}) or none",
            column="partner",
            column_kind="field",
            got=repr(partner),
        )
    if principal.is_partner and gold:
        raise ForbiddenError(
            "gold answers check the partner's labels, so they come from the client: a partner key cannot "
            "upload them with its delivery (the client gives its gold to the audit)"
        )
    if principal.is_partner and dated:
        raise ForbiddenError(
            f"a partner's delivery is dated by the server's clock when it arrives: a partner key cannot set "
            f"{' or '.join(sorted(dated))} (due dates are the client's to set)"
        )
    who = principal.partner or partner
    if who is None:
        raise InvalidInputError(
            "the partner that delivered the batch", column="partner", column_kind="field", got="none"
        )
    return who


def upload(
    store: Store,
    principal: Principal,
    labels: Path,
    *,
    partner: str | None,
    project: str,
    gold: Path | None = None,
    tasks: Path | None = None,
    delivered_at: datetime | None = None,
    due_at: datetime | None = None,
    kind: str | None = None,
    sent_as: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Ingest an uploaded delivery once ``check_upload`` lets the caller (a partner: as itself, no gold, no
    times); the ``ingest --json`` document.

    ``kind`` (labels, preferences, ratings, demonstrations) as ``labelpact ingest --kind``: None reads it
    from the file's header. ``sent_as`` maps a staged file's name to the name an error gives it (the name
    the caller sent, and which of its files it is); errors name a file missing from it by its own name."""
    times = {"delivered_at": delivered_at, "due_at": due_at}
    dated = [name for name, moment in times.items() if moment is not None]
    who = check_upload(principal, partner=partner, gold=gold is not None, dated=dated)
    staged, names = labels.parent, sent_as or {}
    with _named_as_uploaded(staged, names):
        chosen = file_kind(labels, kind)
    if chosen != "labels":
        if tasks is not None:
            raise InvalidInputError(
                "task payloads only with labels", column="tasks", column_kind="field", got=f"kind {chosen}"
            )
        with hidden_from(principal, "partner", who), _named_as_uploaded(staged, names):
            made = ingest_deliverable(
                store,
                labels,
                partner=who,
                project=project,
                kind=chosen,
                gold=gold,
                delivered_at=delivered_at,
                due_at=due_at,
                reveal_owner=not principal.is_partner,
            )
        return kind_ingest_document(made, viewer=principal.partner) | {"ignored": []}
    with hidden_from(principal, "partner", who), _named_as_uploaded(staged, names):
        result = ingest_batch(
            store,
            labels,
            partner=who,
            project=project,
            gold=gold,
            tasks=tasks,
            delivered_at=delivered_at,
            due_at=due_at,
            reveal_owner=not principal.is_partner,
            gold_allowed=not principal.is_partner,
        )
    return ingest_document(result, viewer=principal.partner) | {"ignored": []}


@contextmanager
def _named_as_uploaded(folder: Path, sent_as: Mapping[str, str]) -> Iterator[None]:
    """Errors about an uploaded file name it as the caller sent it, not where (or as what) the server staged it."""
    try:
        yield
    except InvalidInputError as error:
        if error.file is None or not Path(error.file).is_relative_to(folder):
            raise
        staged = Path(error.file).name
        raise InvalidInputError(
            error.expected,
            file=sent_as.get(staged, staged),
            row=error.row,
            column=error.column,
            got=error.got,
            unit=error.unit,
            column_kind=error.column_kind,
        ) from None
