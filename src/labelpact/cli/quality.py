"""``aggregate``, ``agreement`` and ``workers``: the quality judgement of one delivery file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import numpy as np
from rich.table import Table

from labelpact.cli.common import annotation_columns, common_options, file_option, make_output
from labelpact.core.aggregators import METHODS
from labelpact.io import Delivery, read_delivery
from labelpact.io.export import write_consensus, write_rows
from labelpact.services.quality import agreement_of, consensus_of, workers_of

__all__ = ["aggregate", "agreement", "workers"]


def _read(labels: Path, gold: Path | None, columns: dict[str, str | None]) -> Delivery:
    return read_delivery(
        labels,
        gold=gold,
        task_column=columns["task_column"],
        worker_column=columns["worker_column"],
        label_column=columns["label_column"],
    )


def _columns(
    task_column: str | None, worker_column: str | None, label_column: str | None
) -> dict[str, str | None]:
    return {"task_column": task_column, "worker_column": worker_column, "label_column": label_column}


def _pct(value: float | None) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.1%}"


@click.command(
    epilog="Example: labelpact aggregate labels.csv --method auto --gold gold.csv --out consensus.csv"
)
@click.argument("labels", type=click.Path(path_type=Path))
@click.option(
    "--method",
    type=click.Choice(sorted(METHODS)),
    default="auto",
    show_default=True,
    help="Truth-inference method.",
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
@annotation_columns
@common_options
def aggregate(
    labels: Path,
    method: str,
    gold: Path | None,
    out: Path | None,
    seed: int,
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
    without gold instead); "accuracy_method" in --json says which was used. The confidence is
    calibrated (on held-out labels, and on the gold when given). A task nobody labelled gets no label.
    """
    output = make_output(as_json)
    delivery = _read(labels, gold, _columns(task_column, worker_column, label_column))
    result = consensus_of(delivery, method=method, random_state=seed)
    c, a = result.consensus, delivery.annotations
    unlabelled = c.unlabelled  # no label where no one labelled: empty label and confidence in --out
    labelled = ~np.isnan(c.confidence)
    if out is not None:
        write_consensus(c.tasks, c.labels, c.confidence, out)
    document = {
        "method": c.method,
        "n_tasks": a.n_tasks,
        "n_workers": a.n_workers,
        "n_annotations": a.n_annotations,
        "n_classes": a.n_classes,
        "accuracy": result.accuracy,
        "accuracy_method": result.accuracy_method,
        "n_gold": len(delivery.gold) if delivery.gold is not None else 0,
        "seconds": round(result.seconds, 4),
        "n_iter": c.n_iter,
        "mean_confidence": float(np.nanmean(c.confidence)) if labelled.any() else None,
        "calibration": None
        if c.calibration is None
        else {
            "kind": c.calibration.kind,
            "source": c.calibration.source,
            "rho": c.calibration.rho,
            "tau": c.calibration.tau,
        },
        "n_unlabelled": len(unlabelled),
        "unlabelled": list(unlabelled),
        "out": str(out) if out else None,
    }

    def render() -> None:
        table = Table(show_header=False, title=f"Consensus of {labels.name}", title_justify="left")
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_row("method", c.method)
        table.add_row(
            "tasks / workers / annotations", f"{a.n_tasks:,} / {a.n_workers:,} / {a.n_annotations:,}"
        )
        table.add_row("mean confidence", _pct(document["mean_confidence"]))  # type: ignore[arg-type]
        table.add_row("tasks below 70% confidence (calibrated)", f"{int((c.confidence < 0.7).sum()):,}")
        if unlabelled:
            table.add_row("tasks nobody labelled (no label)", f"{len(unlabelled):,}")
        table.add_row("accuracy on held-out gold", _pct(result.accuracy))
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
    default="nominal",
    show_default=True,
    help="Krippendorff's metric: ordinal/interval when the classes form a scale (in class order).",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Bootstrap replicates for the 95% intervals.",
)
@annotation_columns
@common_options
def agreement(
    labels: Path,
    level: str,
    n_bootstrap: int,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """How much workers agree: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, percent agreement, Cohen's kappa."""
    output = make_output(as_json)
    delivery = _read(labels, None, _columns(task_column, worker_column, label_column))
    result = agreement_of(delivery, level=level, n_bootstrap=n_bootstrap)  # type: ignore[arg-type]

    def render() -> None:
        table = Table(
            "coefficient",
            "value",
            "95% interval",
            title=f"Agreement in {labels.name} ({result.n_tasks_used:,} tasks with 2+ labels)",
            title_justify="left",
        )
        for name, estimate in (
            ("Krippendorff's alpha", result.krippendorff_alpha),
            ("Fleiss' kappa", result.fleiss_kappa),
            ("Gwet's AC1", result.gwet_ac1),
            ("percent agreement", result.percent_agreement),
            ("Cohen's kappa (mean over pairs)", result.cohen_kappa_mean),
        ):
            table.add_row(name, _fmt(estimate.value), f"[{_fmt(estimate.ci[0])}, {_fmt(estimate.ci[1])}]")
        output.stdout.print(table)
        if result.unidentifiable is not None:
            output.stdout.print(f"Label quality cannot be measured on this batch: {result.unidentifiable}.")

    output.emit(result.to_dict(), render)


def _fmt(value: float | None) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.3f}"


@click.command(epilog="Example: labelpact workers labels.csv --gold gold.csv --out workers.csv")
@click.argument("labels", type=click.Path(path_type=Path))
@file_option("--gold", "Gold answers (task,label).")
@click.option(
    "--method",
    type=click.Choice(sorted(METHODS)),
    default="auto",
    show_default=True,
    help="Consensus method workers are compared with.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write one row per worker (CSV or .parquet)."
)
@click.option("--top", type=int, default=15, show_default=True, help="Rows shown in the table (worst first).")
@annotation_columns
@common_options
def workers(
    labels: Path,
    gold: Path | None,
    method: str,
    out: Path | None,
    top: int,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Scorecards per worker: gold accuracy, agreement with the consensus, spammer score, speed, copying."""
    output = make_output(as_json)
    delivery = _read(labels, gold, _columns(task_column, worker_column, label_column))
    report = workers_of(delivery, method=method)
    document = report.to_dict()
    if out is not None:
        write_rows(document["workers"], out)

    def render() -> None:
        output.stdout.print(worst_workers_table(document, top=top, title=f"Workers of {labels.name}"))
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
            r["worker"],
            f"{r['n_labels']:,}",
            _pct(r["gold_accuracy"]),
            _pct(r["consensus_agreement"]),
            _fmt(r["spammer_score"]),
            "-" if r.get("median_duration_s") is None else f"{r['median_duration_s']:.1f}",
            ", ".join(r["flags"]) or "",
        )
    return table
