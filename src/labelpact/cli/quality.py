"""``aggregate``, ``agreement`` and ``workers``: the quality judgement of one delivery file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from labelpact.cli.common import (
    common_options,
    deliverable_columns,
    file_option,
    make_output,
    parse_list,
    safe,
)
from labelpact.cli.deliverable_quality import aggregate_route, agreement_route, workers_route
from labelpact.cli.deliverables import KIND_HELP, KINDS
from labelpact.cli.engine import engine_options, pick
from labelpact.cli.format import number, pct
from labelpact.cli.progress import progress_for
from labelpact.services.engine import aggregate_parts_file, agreement_parts_file, workers_parts_file
from labelpact.services.quality import (
    METHOD_NAMES,
    aggregate_file,
    agreement_file,
    scale_by_name,
    workers_file,
)

if TYPE_CHECKING:
    from labelpact.core.agreement import Level

__all__ = ["aggregate", "agreement", "workers", "worst_workers_table"]


@click.command(
    epilog="Example: labelpact aggregate labels.csv --method auto --gold gold.csv --out consensus.csv"
)
@click.argument("labels", type=click.Path(path_type=Path))
@click.option(
    "--method",
    type=click.Choice(METHOD_NAMES),
    default="auto",
    show_default=True,
    help="Truth-inference method (bcc is another name for ebcc).",
)
@file_option(
    "--gold",
    "Gold answers (task,label): they anchor the fit, and the accuracy reported is on gold the "
    "labels scored did not see (see below).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Write task,label,confidence as CSV (calibrated confidence; both empty for a task nobody labelled).",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for methods that draw random numbers."
)
@engine_options
@deliverable_columns
@click.option("--kind", type=click.Choice(KINDS), default=None, help=KIND_HELP)
@aggregate_route
@common_options
def aggregate(
    labels: Path,
    method: str,
    gold: Path | None,
    out: Path | None,
    seed: int,
    engine: str,
    scheduler: str | None,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Infer the true label of every task from the workers' labels (truth inference).

    With --gold, "accuracy" is out of sample: gold anchors the delivered labels, so scoring them on
    that same gold would say ~100%. It is cross-fitted: the gold is split into 5 folds and each fold
    is scored by a fit anchored by the other folds' gold (on deliveries over 50,000 labels, by fits
    without gold instead); "accuracy_method" in --json says which was used, and "accuracy_interval"
    its 95% Wilson interval over the gold tasks (two gold tasks say little). The confidence is
    calibrated (on held-out labels, and on the gold when given). A task nobody labelled gets no label.
    """
    output = make_output(as_json)
    with progress_for(output) as progress:
        result = pick(engine, scheduler, aggregate_file, aggregate_parts_file)(
            labels,
            gold=gold,
            method=method,
            random_state=seed,
            out=out,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            progress=progress,
            warn=output.warn,
        )
    document = result.document

    def render() -> None:
        table = Table(show_header=False, title=f"Consensus of {safe(labels.name)}", title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("method", document["method"])
        table.add_row(
            "tasks / workers / annotations",
            f"{document['n_tasks']:,} / {document['n_workers']:,} / {document['n_annotations']:,}",
        )
        table.add_row("mean confidence", pct(document["mean_confidence"]))
        table.add_row("tasks below 70% confidence (calibrated)", f"{result.n_low_confidence:,}")
        if document["n_unlabelled"]:
            table.add_row("tasks nobody labelled (no label)", f"{document['n_unlabelled']:,}")
        table.add_row("accuracy on held-out gold", _gold_accuracy(document))
        table.add_row("seconds", f"{result.seconds:.3f}")
        if out is not None:
            table.add_row("written to", str(out))
        output.stdout.print(table)

    output.emit(document, render)


@click.command(epilog="Example: labelpact agreement labels.csv --level ordinal --json")
@click.argument("labels", type=click.Path(path_type=Path))
@click.option(
    "--level",
    type=click.Choice(["nominal", "ordinal", "interval"]),
    default=None,
    help="Krippendorff's metric: ordinal/interval when the classes form a scale (in class order). "
    "Default: nominal for labels, ordinal for ratings (scores on a scale), as the audit measures them.",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Bootstrap replicates for the 95% intervals.",
)
@click.option(
    "--classes",
    default=None,
    metavar="A,B,...",
    help="The allowed classes, lowest first for --level ordinal or interval "
    "(default: numbers in numeric order, names in name order).",
)
@engine_options
@deliverable_columns
@click.option("--kind", type=click.Choice(KINDS), default=None, help=KIND_HELP)
@agreement_route
@common_options
def agreement(
    labels: Path,
    level: str | None,
    n_bootstrap: int,
    classes: str | None,
    engine: str,
    scheduler: str | None,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """How much workers agree: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, percent agreement, Cohen's kappa.

    A worker's repeated labels on one task count as separate ratings (crowd-kit's convention), except in
    Cohen's kappa, which takes each worker's most frequent label there.
    """
    output = make_output(as_json)
    chosen: Level = level or "nominal"  # type: ignore[assignment]  # click.Choice checked it
    with progress_for(output) as progress:
        result = pick(engine, scheduler, agreement_file, agreement_parts_file)(
            labels,
            level=chosen,
            n_bootstrap=n_bootstrap,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            classes=parse_list(classes, option="--classes"),
            progress=progress,
            warn=output.warn,
        )
    guessed = scale_by_name(result) if classes is None else None
    if guessed is not None:
        output.warn(f"{guessed}; give --classes in scale order to set it")

    def render() -> None:
        table = Table(
            "coefficient",
            "value",
            "95% interval",
            title=f"Agreement in {safe(labels.name)} ({result.n_tasks_used:,} tasks with 2+ labels)",
            title_justify="left",
        )
        for name, estimate in (
            ("Krippendorff's alpha", result.krippendorff_alpha),
            ("Fleiss' kappa", result.fleiss_kappa),
            ("Gwet's AC1", result.gwet_ac1),
            ("percent agreement", result.percent_agreement),
            ("Cohen's kappa (mean over pairs)", result.cohen_kappa_mean),
        ):
            table.add_row(
                safe(name), number(estimate.value), f"[{number(estimate.ci[0])}, {number(estimate.ci[1])}]"
            )
        output.stdout.print(table)
        if result.unidentifiable is not None:
            output.stdout.print(f"Label quality cannot be measured on this batch: {result.unidentifiable}.")

    output.emit(result.to_dict(), render)


@click.command(epilog="Example: labelpact workers labels.csv --gold gold.csv --out workers.csv")
@click.argument("labels", type=click.Path(path_type=Path))
@file_option("--gold", "Gold answers (task,label).")
@click.option(
    "--method",
    type=click.Choice(METHOD_NAMES),
    default="auto",
    show_default=True,
    help="Consensus method workers are compared with (bcc is another name for ebcc).",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write one row per worker (CSV or .parquet)."
)
@click.option(
    "--top",
    type=click.IntRange(min=0),
    default=15,
    show_default=True,
    help="Rows shown in the table (worst first).",
)
@engine_options
@deliverable_columns
@click.option("--kind", type=click.Choice(KINDS), default=None, help=KIND_HELP)
@workers_route
@common_options
def workers(
    labels: Path,
    gold: Path | None,
    method: str,
    out: Path | None,
    top: int,
    engine: str,
    scheduler: str | None,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Scorecards per worker: gold accuracy, agreement with the consensus, spammer score, speed, copying."""
    output = make_output(as_json)
    with progress_for(output) as progress:
        document = pick(engine, scheduler, workers_file, workers_parts_file)(
            labels,
            gold=gold,
            method=method,
            out=out,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            progress=progress,
            warn=output.warn,
        )

    def render() -> None:
        output.stdout.print(worst_workers_table(document, top=top, title=f"Workers of {safe(labels.name)}"))
        pairs = document.get("copy_pairs", [])
        if pairs:
            output.stdout.print(
                f"{len(pairs)} worker pair(s) agree far more often than their accuracies explain (possible copying)."
            )

    output.emit(document, render)


def worst_workers_table(document: dict[str, Any], *, top: int, title: str) -> Table:
    """Flagged workers first, then by spammer score: the people a vendor manager should look at."""
    rows = sorted(
        document["workers"],
        key=lambda r: (-len(r["flags"]), -(r["spammer_score"] or 0.0), r["worker"]),
    )
    n_flagged = sum(1 for r in rows if r["flags"])
    table = Table(
        "worker",
        "labels",
        "gold acc.",
        "agrees w/ consensus",
        "spammer score",
        "median s",
        "flags",
        title=f"{title}: {n_flagged} of {len(rows)} flagged",
        title_justify="left",
    )
    for r in rows[:top]:
        table.add_row(
            safe(r["worker"]),
            f"{r['n_labels']:,}",
            pct(r["gold_accuracy"]) + (f" of {r['n_gold']}" if r.get("n_gold") else ""),
            pct(r["consensus_agreement"]),
            number(r["spammer_score"]),
            "-" if r.get("median_duration_s") is None else f"{r['median_duration_s']:.1f}",
            ", ".join(r["flags"]) or "",
        )
    return table


def _gold_accuracy(document: dict[str, Any]) -> str:
    """The held-out gold accuracy with how many gold tasks it rests on and its 95% interval ("-" without gold)."""
    interval = document.get("accuracy_interval")
    if document["accuracy"] is None or interval is None:
        return pct(document["accuracy"])
    return (
        f"{pct(document['accuracy'])} of {document['n_gold']:,} gold tasks "
        f"(95% interval {pct(interval[0])} to {pct(interval[1])})"
    )
