"""``audits list|show|sample`` and ``consensus export``: what the store keeps of past audits."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from labelpact.cli.audit import render_audit
from labelpact.cli.common import common_options, make_output, open_store, safe
from labelpact.cli.deliverables import render_kind_audit
from labelpact.services.audit import audit_rows, stored_audit_document
from labelpact.services.review import resolve_audit
from labelpact.services.review_sheet import export_consensus, write_review_sheet

__all__ = ["audits", "consensus"]


@click.group()
def audits() -> None:
    """Past audits: every audit of every batch is kept; nothing is overwritten."""


@audits.command("list", epilog="Example: labelpact audits list --partner Acme")
@click.option("--partner", default=None, help="Only this partner's audits.")
@click.option("--project", default=None, help="Only this project's audits.")
@click.option("--batch", default=None, help="Only the audits of this batch.")
@common_options
def list_audits(
    partner: str | None,
    project: str | None,
    batch: str | None,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """List audits, newest first."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        rows = audit_rows(store, batch=batch, partner=partner, project=project)

    def render() -> None:
        table = Table(title=f"{len(rows)} audits", title_justify="left")
        for name in ("audit", "batch", "partner", "project", "created", "verdict", "review", "findings"):
            table.add_column(name)
        for row in rows:
            table.add_row(
                row["audit"],
                row["batch"],
                safe(row["partner"]),
                safe(row["project"]),
                row["created_at"][:19].replace("T", " "),
                row["verdict"],
                row["review_decision"] or "-",
                str(row["n_findings"]),
            )
        out.stdout.print(table)

    out.emit({"audits": rows}, render)


@audits.command("show", epilog="Example: labelpact audits show a3")
@click.argument("audit_or_batch")
@click.option("--findings", "all_findings", is_flag=True, help="List every finding with its evidence.")
@common_options
def show_audit(
    audit_or_batch: str, all_findings: bool, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Show an audit (``a7``), or the latest audit of a batch, as it was stored."""
    out = make_output(as_json)
    with open_store(workspace, db) as store:
        doc = stored_audit_document(store, resolve_audit(store, audit_or_batch))

    def render() -> None:
        kind_render = render_audit if doc["metrics"].get("kind", "labels") == "labels" else render_kind_audit
        kind_render(out.stdout, doc, top=len(doc["findings"]) if all_findings else 3)
        if all_findings:
            for f in doc["findings"]:
                out.stdout.print(f"[bold]{f['id']}[/] {f['kind']} evidence: {f['evidence']}")
        for r in doc["reviews"]:
            out.stdout.print(
                f"Review {r['review']} ({r['reviewer'] or 'anonymous'}): {r['n_defective']} defective of "
                f"{r['n_inspected']} -> {r['decision']}"
            )

    out.emit(doc, render)


@audits.command("sample", epilog="Example: labelpact audits sample a3 --out sample.csv")
@click.argument("audit_or_batch")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The sheet to write: CSV, or .parquet (task names byte for byte).",
)
@common_options
def sample_sheet(
    audit_or_batch: str, out: Path, workspace: Path | None, db: str | None, as_json: bool
) -> None:
    """Write an audit's ISO 2859-1 sample as the sheet a reviewer fills in, the one the dashboard offers:
    one row per sampled task with ``label`` starting as the consensus (correct the wrong ones), beside
    ``consensus`` and ``confidence``; for preferences, ratings and demonstrations a blank ``defective``
    (yes/no). ``labelpact review`` reads the sheet back."""
    output = make_output(as_json)
    with open_store(workspace, db) as store:
        record, n_rows, column = write_review_sheet(store, audit_or_batch, out)
    doc = {
        "audit": record.id,
        "batch": record.batch,
        "out": str(out),
        "n_tasks": n_rows,
        "answer_column": column,
    }
    what = (
        "it starts as the consensus: correct the wrong ones"
        if column == "label"
        else "yes or no: is the task's work defective"
    )
    output.emit(
        doc,
        lambda: output.stdout.print(
            f"Wrote the {n_rows:,} sampled tasks of audit {record.id} to {safe(out)}: review '{column}' "
            f"({what}), then run labelpact review {record.id} --results {safe(out)}"
        ),
    )


@click.group()
def consensus() -> None:
    """The consensus labels audits stored."""


@consensus.command("export", epilog="Example: labelpact consensus export 3f2a9c1b7d04 --out consensus.csv")
@click.argument("batch_or_audit")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="CSV task,label,confidence; or .parquet with the per-class probabilities.",
)
@common_options
def export(batch_or_audit: str, out: Path, workspace: Path | None, db: str | None, as_json: bool) -> None:
    """Write the consensus of a batch's latest audit (or of audit ``a7``) to a file."""
    output = make_output(as_json)
    with open_store(workspace, db) as store:
        record, n_rows = export_consensus(store, batch_or_audit, out)
    doc = {"audit": record.id, "batch": record.batch, "out": str(out), "n_tasks": n_rows}
    output.emit(
        doc,
        lambda: output.stdout.print(f"Wrote the consensus of audit {record.id} ({n_rows:,} tasks) to {out}"),
    )
