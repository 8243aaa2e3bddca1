"""``ingest`` and ``batches``: take a delivery into the store and look at what is there."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn
from rich.table import Table

from labelpact.cli.common import (
    DATETIME,
    Output,
    common_options,
    deliverable_columns,
    file_option,
    make_output,
    open_store,
    parse_list,
    safe,
)
from labelpact.cli.deliverables import KIND_HELP, KINDS, ingest_route
from labelpact.services import ingest_batch
from labelpact.services.ingest import batch_dict, file_sha256, ingest_document
from labelpact.services.redelivery import redelivery_note

if TYPE_CHECKING:
    from labelpact.store import BatchRecord

__all__ = ["batch_summary_table", "batches", "ingest"]

_PROGRESS_MIN_BYTES = 32 << 20  # below this a read is too quick for a bar to help


@click.command(
    epilog="Example: labelpact ingest delivery.csv --partner Scale --project sentiment --gold gold.csv --due-at 2026-03-01",
)
@click.argument("labels", type=click.Path(path_type=Path))
@click.option("--partner", required=True, help="The partner that delivered the batch (must exist).")
@click.option("--project", required=True, help="The project it was delivered for (created when missing).")
@file_option("--gold", "Gold answers: CSV/Parquet with task,label.")
@file_option("--tasks", "Task payloads: task plus text or other fields.")
@deliverable_columns
@click.option(
    "--classes",
    default=None,
    metavar="A,B,...",
    help="The allowed classes; a label outside them is an error.",
)
@click.option(
    "--duplicates",
    type=click.Choice(["keep", "first", "last", "error"]),
    default="keep",
    show_default=True,
    help="What to do with repeated (task, worker) labels; they are counted in every case.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse blank labels (else abstentions) and one number spelled two ways, 1 and 1.0 (else a warning).",
)
@click.option(
    "--delivered-at", type=DATETIME, default=None, help="When the partner delivered (default: now)."
)
@click.option("--due-at", type=DATETIME, default=None, help="When the batch was due.")
@click.option("--kind", type=click.Choice(KINDS), default=None, help=KIND_HELP)
@ingest_route
@common_options
def ingest(
    labels: Path,
    partner: str,
    project: str,
    gold: Path | None,
    tasks: Path | None,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    classes: str | None,
    duplicates: str,
    strict: bool,
    delivered_at: datetime | None,
    due_at: datetime | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Validate a delivered batch and store it immutably; the same bytes twice are a no-op that says so."""
    out = make_output(as_json)
    with open_store(workspace, db) as store, _progress(out, labels) as progress:
        result = ingest_batch(
            store,
            labels,
            partner=partner,
            project=project,
            gold=gold,
            tasks=tasks,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            classes=parse_list(classes, option="--classes"),
            duplicates=duplicates,  # type: ignore[arg-type]  # click.Choice checked it
            strict=strict,
            delivered_at=delivered_at,
            due_at=due_at,
            progress=progress,
        )

    # findings that did not stop the ingest: on stderr for people, in the document under --json
    if result.delivery is not None and not out.as_json:
        for line in result.delivery.notes:
            out.stderr.print(f"note: {line}", markup=False, highlight=False, soft_wrap=True)
        for line in (*result.delivery.warnings, *redelivery_note(result.same_labels)):
            out.warn(line)

    ignored = (
        []
        if result.created
        else ignored_options(
            result.batch,
            partner=partner,
            project=project,
            gold=gold,
            tasks=tasks,
            delivered_at=delivered_at,
            due_at=due_at,
        )
        + reading_options(task_column, worker_column, label_column, classes, duplicates, strict)
    )
    if ignored and not out.as_json:
        out.warn(f"these bytes were ingested before; ignored {'; '.join(ignored)}")

    def render() -> None:
        if result.created:
            out.stdout.print(
                f"Ingested batch [bold]{result.batch.id}[/] from {safe(result.batch.partner)} into {safe(result.batch.project)}"
            )
        else:
            restored = ", ".join(result.restored)
            done = f"restored its missing or damaged {restored} file(s)" if restored else "nothing written"
            out.stdout.print(
                f"Already ingested: these bytes are batch [bold]{result.batch.id}[/] "
                f"({safe(result.batch.partner)}/{safe(result.batch.project)}, {safe(result.batch.source_name)}); {done}"
            )
        out.stdout.print(batch_summary_table(result.batch))

    out.emit(ingest_document(result) | {"ignored": ignored}, render)


def reading_options(
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    classes: str | None,
    duplicates: str,
    strict: bool,
) -> list[str]:
    """The options of a re-ingest that say how to read the file, each with why it changed nothing."""
    given = (
        (f"--task-column {task_column!r}", task_column is not None),
        (f"--worker-column {worker_column!r}", worker_column is not None),
        (f"--label-column {label_column!r}", label_column is not None),
        (f"--classes {classes!r}", classes is not None),
        (f"--duplicates {duplicates}", duplicates != "keep"),
        ("--strict", strict),
    )
    return [f"{option} (the stored batch is not read again)" for option, on in given if on]


def ignored_options(
    batch: BatchRecord,
    *,
    partner: str,
    project: str,
    gold: Path | None,
    tasks: Path | None,
    delivered_at: datetime | None,
    due_at: datetime | None,
) -> list[str]:
    """The options of a re-ingest that differ from the stored batch and so changed nothing, each with why."""
    ignored = []
    if partner != batch.partner:
        ignored.append(f"--partner {partner!r} (the batch is {batch.partner!r}'s)")
    if project != batch.project:
        ignored.append(f"--project {project!r} (the batch is in {batch.project!r})")
    for option, path, role in (("--gold", gold, "gold"), ("--tasks", tasks, "tasks")):
        if path is None:
            continue
        stored = batch.file(role)
        if stored is None:
            ignored.append(
                f"{option} {path.name!r} (the batch was stored without {role}; nothing is attached)"
            )
        elif not path.is_file() or file_sha256(path) != stored.sha256:
            ignored.append(f"{option} {path.name!r} (the batch keeps the {role} file it was stored with)")
    for option, moment, kept in (
        ("--delivered-at", delivered_at, batch.delivered_at),
        ("--due-at", due_at, batch.due_at),
    ):
        if moment is not None and moment != kept:
            shown = "none" if kept is None else kept.isoformat()
            ignored.append(f"{option} {moment.isoformat()} (the batch keeps {shown})")
    return ignored


def batch_summary_table(batch: BatchRecord, *, title: str | None = None) -> Table:
    """The one-glance summary of a delivered batch."""
    table = Table(show_header=False, title=title or f"Batch {batch.id}", title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    median = "unknown" if batch.median_duration_s is None else f"{batch.median_duration_s:.1f} s"
    rows = [
        ("partner / project", f"{safe(batch.partner)} / {safe(batch.project)}"),
        ("file", f"{batch.source_name} ({batch.format}, {batch.size_bytes / 1e6:,.2f} MB)"),
        ("tasks", f"{batch.n_tasks:,}"),
        ("workers", f"{batch.n_workers:,}"),
        ("annotations", f"{batch.n_annotations:,}"),
        (
            "classes",
            f"{batch.n_classes} ({', '.join(batch.classes[:8])}{', ...' if batch.n_classes > 8 else ''})",
        ),
        ("duplicate labels", f"{batch.n_duplicates:,}"),
        ("abstentions (blank labels)", f"{batch.n_abstentions:,}"),
        ("cancelled (skipped)", f"{batch.n_cancelled:,}"),
        ("tasks delivered without labels", f"{batch.n_tasks_without_labels:,}"),
        ("gold tasks", f"{batch.n_gold:,}"),
        ("median time on task", median),
        (
            "delivered / due",
            f"{batch.delivered_at:%Y-%m-%d %H:%M} / "
            + (f"{batch.due_at:%Y-%m-%d %H:%M}" if batch.due_at else "-"),
        ),
    ]
    for key, value in rows:
        table.add_row(key, value)
    return table


@contextmanager
def _progress(out: Output, path: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for long reads, only when a person is watching."""
    size = path.stat().st_size if path.is_file() else 0
    if out.as_json or size < _PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=out.stderr,
        transient=True,
    ) as bar:
        task = bar.add_task(f"reading {safe(path.name)}", total=size)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@click.group()
def batches() -> None:
    """Delivered batches: list them or show one."""


@batches.command("list", epilog="Example: labelpact batches list --partner Scale --json")
@click.option("--partner", default=None, help="Only this partner's batches.")
@click.option("--project", default=None, help="Only this project's batches.")
@common_options
def batches_list(
    partner: str | None, project: str | None, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """List batches, newest first."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        records = store.list_batches(partner=partner, project=project)

    def render() -> None:
        table = Table(
            "batch",
            "partner",
            "project",
            "file",
            "tasks",
            "workers",
            "annotations",
            "received",
            title="Batches",
        )
        for b in records:
            table.add_row(
                b.id,
                safe(b.partner),
                safe(b.project),
                safe(b.source_name),
                f"{b.n_tasks:,}",
                f"{b.n_workers:,}",
                f"{b.n_annotations:,}",
                f"{b.received_at:%Y-%m-%d %H:%M}",
            )
        out.stdout.print(table)

    out.emit({"batches": [batch_dict(b) for b in records]}, render)


@batches.command("show", epilog="Example: labelpact batches show 3f2a9c")
@click.argument("batch")
@common_options
def batches_show(batch: str, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Show one batch (by id or a unique prefix of its SHA-256)."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        record = store.get_batch(batch)
    out.emit(batch_dict(record), lambda: out.stdout.print(batch_summary_table(record)))
