"""Batches: list and show (a partner sees its own), and upload a delivery (multipart) to be ingested.

An upload is ingested in the request when it is small (up to ``ServerConfig.sync_upload_bytes``); a larger
one, or one sent with ``?async=true``, is ingested by a background job: 202 and ``Location: /api/v1/jobs/j7``.
Either way the result is the ``labelpact ingest --json`` document; bad input is a 422 naming the file,
line and column, and nothing is written.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from labelpact.errors import InvalidInputError
from labelpact.server.deps import Caller, note
from labelpact.server.error_handlers import ERROR_RESPONSES
from labelpact.server.responses import JOB, LIST, OBJECT, Document, documented
from labelpact.services.ingest import as_utc, delivery_time
from labelpact.services.jobs import job_dict
from labelpact.services.scoped import Store, get_batch, list_batch_dicts
from labelpact.services.upload import check_upload, upload

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/batches", tags=["batches"], responses=ERROR_RESPONSES)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_BLOCK = 1 << 20


@router.get("", responses=documented(LIST))
def batches(ctx: Caller, partner: str | None = None, project: str | None = None) -> Document:
    """``labelpact batches list --json``'s batches, newest first."""
    return Document(list_batch_dicts(ctx.store, ctx.principal, partner=partner, project=project))


@router.get("/{batch_id}", responses=documented(OBJECT))
def batch(batch_id: str, ctx: Caller) -> Document:
    """``labelpact batches show ID --json``."""
    return Document(get_batch(ctx.store, ctx.principal, batch_id))


def _moment(value: str | None, field: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInputError(
            "an ISO-8601 date or time such as 2026-03-01 or 2026-03-01T17:00Z",
            column=field,
            column_kind="field",
            got=repr(value),
        ) from None
    return as_utc(moment, field=field)  # a UTC time outside years 1..9999 is bad input, not a 500


def _file_name(upload_: UploadFile, fallback: str) -> str:
    """The uploaded file's own name without folders, made safe for a path; its extension (all after its first
    dot: it says the format) is kept apart, so a name of no Latin letters (``ラベル.csv``) is ``labels.csv``."""
    stem, _, extension = Path(upload_.filename or "").name.partition(".")
    stem = _SAFE.sub("_", stem).strip("._")[:200] or fallback
    extension = _SAFE.sub("_", extension).strip("._")[:50]
    return f"{stem}.{extension}" if extension else stem


def _sent_name(upload_: UploadFile, fallback: str) -> str:
    """The uploaded file's name as the caller sent it, for errors: without folders, on one line, bounded."""
    name = "".join(c if c.isprintable() else "?" for c in Path(upload_.filename or "").name)
    return name[:200] or fallback


@contextmanager
def _staged(root: Path) -> Iterator[Path]:
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _save(upload_: UploadFile, folder: Path, fallback: str, sent_as: dict[str, str]) -> tuple[str, int]:
    """Stage ``upload_`` in ``folder``: its staged name and size. ``sent_as`` learns the name errors give
    the staged file: as the caller sent it, and which file it is (``delivery.csv (tasks file)``)."""
    target = folder / _file_name(upload_, fallback)
    if target.exists():
        target = folder / f"{fallback}-{target.name}"
    size = 0
    with target.open("wb") as out:
        while block := upload_.file.read(_BLOCK):
            out.write(block)
            size += len(block)
    sent = _sent_name(upload_, fallback)
    sent_as[target.name] = sent if fallback == "labels" else f"{sent} ({fallback} file)"
    return target.name, size


def _dated(**times: str | None) -> list[str]:
    """The names of the time fields the caller set (a blank field sets none)."""
    return [name for name, value in times.items() if value is not None and value.strip()]


@router.post(
    "",
    status_code=201,
    responses=documented(OBJECT, 201, "Ingested")
    | documented(OBJECT, 200, "Already ingested")
    | documented(JOB, 202, "Accepted as a job"),
)
def upload_batch(
    request: Request,
    ctx: Caller,
    file: Annotated[
        UploadFile, File(description="The annotations (CSV, Parquet, JSONL, Label Studio JSON).")
    ],
    project: Annotated[str, Form()],
    partner: Annotated[str | None, Form(description="The delivering partner (a partner: itself).")] = None,
    gold: Annotated[UploadFile | None, File()] = None,
    tasks: Annotated[UploadFile | None, File()] = None,
    delivered_at: Annotated[str | None, Form()] = None,
    due_at: Annotated[str | None, Form()] = None,
    kind: Annotated[
        str | None,
        Form(
            description="labels, preferences, ratings or demonstrations (default: read from the file's header)."
        ),
    ] = None,
    run_async: Annotated[bool, Query(alias="async", description="Ingest in a background job (202).")] = False,
) -> Document:
    """Upload a delivery and ingest it (``labelpact ingest --json``); the same bytes twice are a no-op (200)."""
    note(request, "batch.upload", f"project:{project}")
    dated = _dated(delivered_at=delivered_at, due_at=due_at)
    check_upload(ctx.principal, partner=partner, gold=gold is not None, dated=dated)  # before any staging
    delivered, due = _moment(delivered_at, "delivered_at"), _moment(due_at, "due_at")
    delivery_time(delivered)  # a future date is refused before any file is staged (ingest checks it again)
    config = request.app.state.config
    principal = ctx.principal

    def ingest(store: Store, where: Path, names: tuple[str, str | None, str | None]) -> dict[str, Any]:
        labels, gold_name, tasks_name = names
        return upload(
            store,
            principal,
            where / labels,
            partner=partner,
            project=project,
            gold=None if gold_name is None else where / gold_name,
            tasks=None if tasks_name is None else where / tasks_name,
            delivered_at=delivered,
            due_at=due,
            kind=kind,
            sent_as=sent_as,
        )

    sent_as: dict[str, str] = {}  # staged name -> the name errors give
    with _staged(config.uploads) as folder:
        labels, size = _save(file, folder, "labels", sent_as)
        names = (
            labels,
            None if gold is None else _save(gold, folder, "gold", sent_as)[0],
            None if tasks is None else _save(tasks, folder, "tasks", sent_as)[0],
        )
        if not run_async and size <= config.sync_upload_bytes:
            document = ingest(ctx.store, folder, names)
            note(request, "batch.upload", f"batch:{document['batch']}")
            return Document(document, status_code=201 if document["created"] else 200)
        job_folder = Path(tempfile.mkdtemp(prefix="job-", dir=config.uploads))
        for path in folder.iterdir():  # the job owns its files from here; it removes them when done
            path.rename(job_folder / path.name)

    def job_work(store: Store) -> dict[str, Any]:
        try:
            return ingest(store, job_folder, names)
        finally:
            shutil.rmtree(job_folder, ignore_errors=True)

    params: dict[str, Any] = {
        "partner": partner,
        "project": project,
        "file": sent_as[labels],
        "size_bytes": size,
    }
    job = ctx.jobs.submit(principal, "batch.upload", params, job_work, request_id=ctx.request_id)
    note(request, "batch.upload", f"job:{job.id}")
    return Document(job_dict(job), status_code=202, headers={"Location": f"/api/v1/jobs/{job.id}"})
