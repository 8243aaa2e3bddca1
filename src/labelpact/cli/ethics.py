"""``ethics``: personal data, licences, slice bias and annotator pay of one delivery, judged by a contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from labelpact.cli.common import (
    annotation_columns,
    common_options,
    file_option,
    make_output,
    phone_region_option,
    safe,
)
from labelpact.cli.engine import engine_options, pick
from labelpact.cli.format import number, pct, signed_pct
from labelpact.cli.progress import progress_for
from labelpact.errors import InvalidInputError
from labelpact.services.engine import ethics_parts_file
from labelpact.services.ethics import ethics_file

__all__ = ["ethics", "render_ethics"]

_VERDICT_STYLE = {"accept": "bold green", "review": "bold yellow", "reject": "bold red"}
_OUTCOME_STYLE = {"met": "green", "unchecked": "dim", "review": "yellow", "reject": "red"}
_SEVERITY_STYLE = {"info": "dim", "warning": "yellow", "critical": "bold red"}


@click.command(
    epilog="Example: labelpact ethics labels.csv --tasks tasks.csv --contract c.toml --slice-column language"
)
@click.argument("labels", type=click.Path(path_type=Path))
@file_option(
    "--tasks",
    "Task payloads: task plus text, source, license and slice fields (one row per task, or a Label Studio "
    "export: its tasks' data). Default: the task data of a Label Studio export given as LABELS.",
)
@file_option(
    "--contract",
    "Contract (TOML): pay floor, price, allowed licences, personal-data policy, what blocks acceptance.",
)
@file_option("--gold", "Gold answers (task,label).")
@click.option(
    "--slice-column",
    "slice_columns",
    multiple=True,
    metavar="FIELD",
    help="Task field to compare label quality across (language, region...); repeatable.",
)
@phone_region_option
@engine_options
@annotation_columns
@common_options
def ethics(
    labels: Path,
    tasks: Path | None,
    contract: Path | None,
    gold: Path | None,
    slice_columns: tuple[str, ...],
    phone_regions: tuple[str, ...],
    engine: str,
    scheduler: str | None,
    task_column: str | None,
    worker_column: str | None,
    label_column: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Personal data in the tasks, their licences, label bias across slices and annotators' effective pay."""
    output = make_output(as_json)
    if engine == "dask" and tasks is None:  # Parquet parts carry no Label Studio task data
        raise InvalidInputError(
            "task payloads as a folder or glob of Parquet parts with --engine dask",
            column="tasks",
            column_kind="field",
            got="none",
        )
    with progress_for(output) as progress:
        document = pick(engine, scheduler, ethics_file, ethics_parts_file)(
            labels,
            tasks=tasks,
            contract=contract,
            gold=gold,
            slice_columns=slice_columns,
            phone_regions=phone_regions,
            task_column=task_column,
            worker_column=worker_column,
            label_column=label_column,
            progress=progress,
            warn=output.warn,
        )
    output.emit(
        document, lambda: render_ethics(output.stdout, document, title=f"Ethics of {safe(labels.name)}")
    )


def render_ethics(console: Console, document: dict[str, Any], *, title: str) -> None:
    """The ethics document (:func:`ethics_document`) for people: headline, clauses, personal data,
    licences, pay, slices, findings; ``labelpact audit`` and the demo reuse it."""
    verdict = document["verdict"]
    blocking = sum(1 for r in document["reasons"] if r["outcome"] == "reject")
    console.print(
        f"[bold]{title}[/]: [{_VERDICT_STYLE[verdict]}]{verdict.upper()}[/]"
        + (f" ({blocking} blocking)" if blocking else "")
        + f", {len(document['findings'])} finding(s)"
    )
    if document["reasons"]:
        reasons = Table(
            "clause", "outcome", "measured", "limit", "detail", title="Contract clauses", title_justify="left"
        )
        for r in document["reasons"]:
            style = _OUTCOME_STYLE[r["outcome"]]
            reasons.add_row(
                r["clause"],
                f"[{style}]{r['outcome']}[/]",
                _value(r["measured"]),
                _value(r["limit"]),
                r["detail"],
            )
        console.print(reasons)
    _render_pii(console, document)
    _render_licences(console, document)
    _render_pay(console, document)
    _render_bias(console, document)
    if document["findings"]:
        table = Table("severity", "finding", "detail", "action", title="Findings", title_justify="left")
        for f in document["findings"]:
            style = _SEVERITY_STYLE[f["severity"]]
            table.add_row(f"[{style}]{f['severity']}[/]", f["kind"], safe(f["detail"]), f["action"] or "")
        console.print(table)


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _render_pii(console: Console, document: dict[str, Any]) -> None:
    summary = document.get("pii_summary")
    if summary is None:
        return
    findings = document["pii"]
    if not findings:
        console.print("No personal data found in the task payloads.")
    else:
        counts: dict[tuple[str, str], int] = {}
        examples: dict[str, list[str]] = {}
        for f in findings:
            counts[f["entity"], f["field"]] = counts.get((f["entity"], f["field"]), 0) + 1
            shown = examples.setdefault(f["entity"], [])
            if len(shown) < 3:
                shown.append(f"{f['masked']} ({f['task']})")
        table = Table(
            "entity", "field", "found", "examples (masked)", title="Personal data", title_justify="left"
        )
        for (entity, field), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(entity, safe(field), f"{n:,}", safe("; ".join(examples[entity])))
        console.print(table)
    for entity, why in summary["not_scanned"].items():
        console.print(f"[dim]{entity} not scanned: {why}[/]")
    for entity, detector in summary.get("detectors", {}).items():
        console.print(f"[dim]{entity} scanned with {detector}[/]")


def _render_licences(console: Console, document: dict[str, Any]) -> None:
    summary = document.get("provenance_summary")
    if summary is None:
        return
    allowed = set(summary["allowed"])
    statuses = summary.get("status_by_license") or {}  # absent in audits stored before expressions
    styles = {
        "allowed": "[green]allowed[/]",
        "missing": "[yellow]missing[/]",
        "unknown": "[yellow]unknown[/]",
    }
    table = Table("licence", "status", "tasks", "sources", title="Licences", title_justify="left")
    for licence, n in sorted(summary["tasks_by_license"].items(), key=lambda kv: -kv[1]):
        known = statuses.get(licence) or (
            "allowed"
            if licence in allowed
            else "missing"
            if licence == "missing"
            else "unknown"
            if licence.startswith("unknown:")
            else "disallowed"
        )
        status = styles.get(known, "[red]not allowed[/]")
        table.add_row(
            safe(licence), status, f"{n:,}", safe(", ".join(summary["by_license"].get(licence, []))) or "-"
        )
    console.print(table)


def _render_pay(console: Console, document: dict[str, Any]) -> None:
    pay = document["pay"]
    if pay is None:
        return
    currency = pay["currency"]
    known = [w for w in pay["workers"] if w["hourly_pay"] is not None]
    table = Table(show_header=False, title="Annotator pay", title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    share = "" if pay["annotator_share"] == 1.0 else f" x {pay['annotator_share']:.0%} to annotators"
    table.add_row("price per label", f"{_value(pay['price_per_label'])} {currency}{share}")
    table.add_row("pay floor per hour", f"{pay['pay_floor_per_hour']:.2f} {currency}")
    q = pay["quantiles"]
    table.add_row(
        "hourly pay p10 / p50 / p90", " / ".join(number(q.get(k), 2) for k in ("p10", "p50", "p90"))
    )
    table.add_row(
        "workers below the floor",
        f"{len(pay['workers_below_floor'])} of {len(known)} ({pct(pay['share_workers_below_floor'])})",
    )
    table.add_row("hours worked below the floor", pct(pay["share_hours_below_floor"]))
    table.add_row("workers with unknown pay", f"{pay['n_workers_unknown']:,}")
    table.add_row("labels too fast to be read", f"{pay['n_annotations_too_fast']:,}")
    console.print(table)


def _render_bias(console: Console, document: dict[str, Any]) -> None:
    for column in document["bias"]:
        table = Table(
            "slice", "tasks", "agreement", "diff", "q", "gold acc.", "diff", "q", "label V", "q", "flags",
            title=f"Slices of {column['column']} (FDR {column['fdr']:.0%})", title_justify="left",
        )  # fmt: skip
        for s in column["slices"]:
            table.add_row(
                safe(s["slice"]), f"{s['n_tasks']:,}",
                pct(s["agreement"]), signed_pct(s["agreement_diff"]), number(s["agreement_q"]),
                pct(s["gold_accuracy"]), signed_pct(s["accuracy_diff"]), number(s["accuracy_q"]),
                number(s["distribution_v"], 2), number(s["distribution_q"]), ", ".join(s["flags"]),
            )  # fmt: skip
        console.print(table)
