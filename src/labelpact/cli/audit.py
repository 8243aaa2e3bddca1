"""``audit``, ``issues`` and ``review``: judge a batch against its contract, find wrong labels, decide by sample."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from labelpact.cli.common import (
    DATETIME,
    annotation_columns,
    common_options,
    deliverable_columns,
    file_option,
    make_output,
    open_store,
    phone_region_option,
    safe,
)
from labelpact.cli.deliverables import KIND_HELP, KINDS, audit_route
from labelpact.cli.engine import engine_options
from labelpact.cli.format import pct
from labelpact.cli.progress import progress_for
from labelpact.services.audit import audit_batch
from labelpact.services.engine import audit_engine
from labelpact.services.quality import label_issues_file
from labelpact.services.review import review_sample
from labelpact.services.sampling import MAX_SAMPLE_SEED

__all__ = ["audit", "issues", "render_audit", "review"]

_VERDICT_STYLE = {"accept": "bold green", "review": "bold yellow", "reject": "bold red"}
_OUTCOME_STYLE = {"met": "green", "review": "yellow", "reject": "red", "unchecked": "dim"}
_SEVERITY_STYLE = {"critical": "red", "warning": "yellow", "info": "dim"}


@click.command(
    epilog="Example: labelpact audit delivery.csv --partner Acme --project sentiment --gold gold.csv "
    "--contract contract.toml",
)
@click.argument("labels", type=click.Path(path_type=Path))
@click.option("--partner", required=True, help="The partner that delivered the batch (must exist).")
@click.option("--project", required=True, help="The project it was delivered for (created when missing).")
@file_option("--gold", "Gold answers (task,label).")
@file_option("--tasks", "Task payloads (task,<fields>).")
@file_option("--pred-probs", "Out-of-sample model predictions: task plus one column per class.")
@file_option("--contract", "Contract TOML (default: the partner's contract on file, else defaults).")
@click.option(
    "--delivered-at", type=DATETIME, default=None, help="When the partner delivered (default: now)."
)
@click.option("--due-at", type=DATETIME, default=None, help="When the batch was due.")
@click.option(
    "--slice-column",
    "slice_columns",
    multiple=True,
    help="Task field to check label bias across (repeatable).",
)
@phone_region_option
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the bootstrap and the methods' random starts.",
)
@click.option(
    "--sample-seed",
    type=click.IntRange(0, MAX_SAMPLE_SEED),
    default=None,
    help="Fix the review sample's seed (a reproducible run). Default: a secret seed drawn for each audit and "
    "stored with it, so a vendor cannot know which tasks will be reviewed.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse blank labels (else abstentions) and one number spelled two ways, 1 and 1.0 (else a warning).",
)
@deliverable_columns
@click.option("--kind", type=click.Choice(KINDS), default=None, help=KIND_HELP)
@engine_options
@audit_route
@common_options
def audit(
    labels: Path,
    partner: str,
    project: str,
    gold: Path | None,
    tasks: Path | None,
    pred_probs: Path | None,
    contract: Path | None,
    delivered_at: datetime | None,
    due_at: datetime | None,
    slice_columns: tuple[str, ...],
    phone_regions: tuple[str, ...],
    seed: int,
    sample_seed: int | None,
    strict: bool,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    engine: str,
    scheduler: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Audit a delivered batch against the contract: verdict, reasons, findings and a sampling plan, stored.

    With --engine dask the consensus (auto) and the agreement run on a Dask cluster; the audit stored is the same.
    """
    out = make_output(as_json)
    with (
        open_store(workspace, db) as store,
        progress_for(out) as progress,
        audit_engine(engine, scheduler, progress=progress),
    ):
        result = audit_batch(
            store,
            labels,
            partner=partner,
            project=project,
            gold=gold,
            tasks=tasks,
            pred_probs=pred_probs,
            contract=contract,
            delivered_at=delivered_at,
            due_at=due_at,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            slice_columns=slice_columns,
            phone_regions=phone_regions,
            random_state=seed,
            sample_seed=sample_seed,
            strict=strict,
            progress=None if progress is None else lambda done: progress(f"audit: {done} done", -1.0),
            warn=out.warn,
        )
    out.emit(result.document, lambda: render_audit(out.stdout, result.document))


def render_audit(console: Console, doc: dict[str, Any], *, top: int = 3) -> None:
    """Verdict first, then the clauses that decided it, the most important findings and the sampling plan."""
    verdict = doc["verdict"]
    m = doc["metrics"]
    headline = (
        f"[{_VERDICT_STYLE[verdict]}]{verdict.upper()}[/]  batch {doc['batch']} of {safe(doc['partner'])} / "
        f"{safe(doc['project'])}  (audit {doc['audit']}, {m['n_tasks']:,} tasks, {m['n_workers']:,} workers, "
        f"{m['n_annotations']:,} labels)"
    )
    console.print(Panel(headline, expand=False))
    reasons = Table(title="Contract clauses", title_justify="left")
    reasons.add_column("clause")
    reasons.add_column("outcome")
    reasons.add_column("measured against the contract", overflow="fold")
    for r in sorted(
        doc["reasons"], key=lambda r: ("reject", "review", "unchecked", "met").index(r["outcome"])
    ):
        reasons.add_row(r["clause"], f"[{_OUTCOME_STYLE[r['outcome']]}]{r['outcome']}[/]", safe(r["detail"]))
    console.print(reasons)
    findings = doc["findings"]
    if findings:
        table = Table(
            title=f"Most important findings ({min(top, len(findings))} of {len(findings)}; "
            f"all: labelpact audits show {doc['audit']} --findings)",
            title_justify="left",
        )
        table.add_column("severity")
        table.add_column("finding", overflow="fold")
        table.add_column("what the vendor should do", overflow="fold")
        for f in findings[:top]:
            table.add_row(
                f"[{_SEVERITY_STYLE[f['severity']]}]{f['severity']}[/]",
                f"[bold]{f['kind']}[/] {safe(f['detail'])}",
                f.get("action") or "",
            )
        console.print(table)
    else:
        console.print("No findings.")
    plan = doc["sampling_plan"]
    if plan is not None:
        what = "Inspect" if verdict == "review" else "Sampling plan (if inspected):"
        console.print(
            f"{what} {plan['sample_size']:,} of {plan['lot_size']:,} tasks (ISO 2859-1 code {plan['code_letter']}, "
            f"level {plan['inspection_level']}, AQL {plan['aql']:g}%): accept with at most {plan['accept_number']} "
            f"defective, reject at {plan['reject_number']}. Then: labelpact audits sample {doc['audit']} --out "
            f"sample.csv, fill it in, and labelpact review {doc['audit']} --results sample.csv"
        )
    gold = m.get("gold_accuracy")
    alpha = m["agreement"]["krippendorff_alpha"]["value"]
    console.print(
        f"[dim]Consensus by {doc['method']}; held-out gold accuracy {pct(gold['value'] if gold else None)}; "
        f"alpha {'-' if alpha is None else f'{alpha:.3f}'}; estimated error rate {pct(m['error_rate']['value'])} "
        f"({m['error_rate']['source']}{_verified(m['error_rate'])}); {m['workers']['n_flagged']} workers flagged; "
        f"{sum(m['seconds'].values()):.2f} s[/]"
    )


def _verified(rate: dict[str, Any]) -> str:
    """' (unverified)' for an estimate that rests on the model alone (older audits: nothing)."""
    return " (unverified)" if rate.get("verified") is False else ""


@click.command(epilog="Example: labelpact issues labels.csv --pred-probs predictions.csv --out issues.csv")
@click.argument("labels", type=click.Path(path_type=Path))
@file_option(
    "--pred-probs", "Out-of-sample model predictions: task plus one column per class.", required=True
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write the issues as CSV or Parquet."
)
@click.option(
    "--top", type=click.IntRange(min=0), default=15, show_default=True, help="Rows to show (without --json)."
)
@annotation_columns
@common_options
def issues(
    labels: Path,
    pred_probs: Path,
    out: Path | None,
    top: int,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Labels that out-of-sample model predictions say are wrong (confident learning), worst first."""
    output = make_output(as_json)
    with progress_for(output) as progress:
        document = label_issues_file(
            labels,
            pred_probs,
            out=out,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            progress=progress,
            warn=output.warn,
        )
    rows: list[dict[str, Any]] = document["issues"]

    def render() -> None:
        output.stdout.print(
            f"{len(rows):,} probable label errors among {document['n_tasks']:,} tasks ({document['rate']:.1%}); "
            f"labels checked: {document['label_source']}; worst first:"
        )
        table = Table()
        for name in ("task", "label", "suggested", "quality"):
            table.add_column(name, justify="right" if name == "quality" else "left")
        for row in rows[:top]:
            table.add_row(
                safe(row["task"]), safe(row["label"]), safe(row["suggested"]), f"{row['quality']:.3f}"
            )
        output.stdout.print(table)
        if out is not None:
            output.stdout.print(f"Wrote {len(rows):,} rows to {out}")

    output.emit(document, render)


@click.command(epilog="Example: labelpact review a3 --results reviewed-sample.csv --reviewer dana")
@click.argument("audit_or_batch")
@click.option(
    "--results",
    type=click.Path(path_type=Path),
    required=True,
    help="The reviewer's answers for the sample: task,label (correct class) or task,defective (yes/no).",
)
@click.option("--reviewer", default=None, help="Who reviewed the sample.")
@click.option(
    "--reviewed-at",
    type=DATETIME,
    default=None,
    help="When the sample was reviewed, for a history entered later (default: now); "
    "replays --as-of an earlier day leave the review out.",
)
@common_options
def review(
    audit_or_batch: str,
    results: Path,
    reviewer: str | None,
    reviewed_at: datetime | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Decide accept or reject from a reviewer's answers for an audit's sample, by its ISO 2859-1 plan."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        outcome = review_sample(store, audit_or_batch, results, reviewer=reviewer, reviewed_at=reviewed_at)
    doc = outcome.document

    def render() -> None:
        style = _VERDICT_STYLE[doc["decision"]]
        out.stdout.print(
            Panel(
                f"[{style}]{doc['decision'].upper()}[/]  batch {doc['batch']} (audit {doc['audit']}, review {doc['review']})",
                expand=False,
            )
        )
        out.stdout.print(
            f"{doc['n_defective']} defective of {doc['n_inspected']} inspected ({doc['defect_rate']:.1%}); the plan "
            f"accepts with at most {doc['accept_number']} and rejects at {doc['reject_number']}."
        )
        by_audit = doc.get("audit_rejected_on", doc["rejected_on"])
        if by_audit:
            standing = ", ".join(by_audit)
            out.stdout.print(
                f"The sample alone would accept, but the audit rejected the batch on {standing}; a sample "
                "cannot lift that."
                if doc["sample_decision"] == "accept"
                else f"The sample rejects the batch too; the audit had rejected it on {standing}."
            )
        if doc.get("verified_rejected_on"):
            verified = ", ".join(doc["verified_rejected_on"])
            out.stdout.print(
                f"The verified error rate rejects the batch on {verified} (below)"
                + (
                    ", though the sample alone would accept."
                    if doc["sample_decision"] == "accept"
                    else " too."
                )
            )
        rate = doc.get("error_rate")
        if rate is not None:
            lo, hi = rate["ci"]
            out.stdout.print(
                f"Error rate of the consensus, verified by {rate['source']}: {pct(rate['value'])} "
                f"(95% CI {pct(lo)} to {pct(hi)})."
            )
            for clause in doc.get("clauses", []):
                style = _OUTCOME_STYLE[clause["outcome"]]
                out.stdout.print(
                    f"  {clause['clause']}: [{style}]{clause['outcome']}[/] - {clause['detail']}"
                )
        if doc.get("replaces"):
            before = doc["replaces"]
            out.stdout.print(
                f"This review replaces {before['review']} ({before['decision']}) as the batch's decision; "
                f"{before['review']} stays on record."
            )
        if doc["defective_tasks"]:
            shown = ", ".join(doc["defective_tasks"][:10])
            more = len(doc["defective_tasks"]) - 10
            out.stdout.print(f"Defective: {shown}" + (f" and {more} more" if more > 0 else ""))

    out.emit(doc, render)
