"""Model-refinement deliverables in the CLI: ``ingest`` / ``audit`` of preferences, ratings and demonstrations
(called by those commands when ``--kind`` or the file's header says so), their rendering, and ``simulate``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from labelpact.cli.common import Output, common_options, make_output, open_store, safe
from labelpact.cli.fields import flag_of, with_flags
from labelpact.errors import InvalidInputError
from labelpact.services.redelivery import redelivery_note
from labelpact.services.refinement_audit import (
    KINDS,
    audit_deliverable,
    file_kind,
    ingest_deliverable,
    kind_ingest_document,
)
from labelpact.services.simulated_deliverables import simulate_deliverable

__all__ = [
    "KINDS",
    "KIND_HELP",
    "audit_kind_file",
    "audit_route",
    "ingest_kind_file",
    "ingest_route",
    "kind_dispatch",
    "render_kind_audit",
    "simulate",
]

F = TypeVar("F", bound=Callable[..., Any])
KIND_HELP = (
    "What the file holds: labels, preferences, ratings or demonstrations (default: detected from its header; "
    "labels unless its columns show another kind, and wide ratings need --kind ratings)."
)
_VERDICT_STYLE = {"accept": "bold green", "review": "bold yellow", "reject": "bold red"}
_OUTCOME_STYLE = {"met": "green", "review": "yellow", "reject": "red", "unchecked": "dim"}
_SEVERITY_STYLE = {"critical": "red", "warning": "yellow", "info": "dim"}
_SIZE = {"preferences": "n_comparisons", "ratings": "n_ratings", "demonstrations": "n_answers"}


def _flag(name: str) -> str:
    """How the running command spells the option whose parameter is ``name`` (``phone_regions``: --phone-region)."""
    ctx = click.get_current_context(silent=True)
    spelled = None if ctx is None else flag_of(name, ctx.command)
    return spelled[0] if spelled is not None else "--" + name.replace("_", "-")


def kind_dispatch(
    handler: Callable[..., None],
    *,
    passed: Sequence[str],
    label_only: Mapping[str, object],
    renamed: Mapping[str, str] | None = None,
) -> Callable[[F], F]:
    """Route a command that reads ``LABELS`` to ``handler`` when ``--kind`` (or the file's header) names
    preferences, ratings or demonstrations; the options in ``label_only`` must then keep their defaults."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def routed(**options: Any) -> None:
            chosen = file_kind(options["labels"], options.pop("kind"))
            if chosen == "labels":
                command(**options)
                return
            # --label-column names what the workers gave: for demonstrations, the answers' column
            text = options.pop("label_column", None) if chosen == "demonstrations" else None
            for name, default in label_only.items():
                if name in options and options[name] != default:
                    raise InvalidInputError(
                        f"{_flag(name)} only with --kind labels",
                        column="--kind",
                        column_kind="option",
                        got=repr(chosen),
                    )
            given = {name: options[name] for name in passed} | {
                new: options[old] for old, new in (renamed or {}).items()
            }
            if text is not None:
                given["text_column"] = text
            out = make_output(options["as_json"])
            handler(
                out, options["labels"], kind=chosen, workspace=options["workspace"], db=options["db"], **given
            )

        return cast(F, with_flags(routed))  # a service's error names its field; show the flag

    return decorate


def audit_kind_file(out: Output, path: Path, *, kind: str, **options: Any) -> None:
    """Audit a preferences, ratings or demonstrations file, store it, and print or emit the audit."""
    workspace, db = options.pop("workspace"), options.pop("db")
    with open_store(workspace, db) as store:
        result = audit_deliverable(store, path, kind=kind, **options)
    out.emit(result.document, lambda: render_kind_audit(out.stdout, result.document))


def ingest_kind_file(out: Output, path: Path, *, kind: str, **options: Any) -> None:
    """Ingest a preferences, ratings or demonstrations file and print or emit what was stored."""
    workspace, db = options.pop("workspace"), options.pop("db")
    with open_store(workspace, db) as store:
        result = ingest_deliverable(store, path, kind=kind, **options)

    def render() -> None:
        b = result.batch
        if result.created:
            out.stdout.print(
                f"Ingested {b.kind} batch [bold]{b.id}[/] from {safe(b.partner)} into {safe(b.project)}"
            )
        else:
            out.stdout.print(
                f"Already ingested: these bytes are batch [bold]{b.id}[/] ({b.kind}); nothing written"
            )
        out.stdout.print(
            f"{b.n_annotations:,} rows of {b.n_tasks:,} tasks by {b.n_workers:,} workers"
            + (f"; {', '.join(b.classes)}" if b.kind == "ratings" else "")
        )
        for note in result.read.notes if result.read is not None else ():
            out.stderr.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
        for line in redelivery_note(result.same_rows):
            out.stderr.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)

    out.emit(kind_ingest_document(result), render)


def _headline(m: dict[str, Any]) -> str:
    kind = m["kind"]
    size = f"{m[_SIZE[kind]]:,} {_SIZE[kind][2:]}"
    extra = f", {m['n_items']:,} items" if kind == "preferences" else ""
    return f"{m['n_tasks']:,} tasks, {m['n_workers']:,} workers, {size}{extra}"


def render_kind_audit(console: Console, doc: dict[str, Any], *, top: int = 4) -> None:
    """Verdict first, then the clauses that decided it, the most important findings and the sampling plan."""
    verdict, m = doc["verdict"], doc["metrics"]
    console.print(
        Panel(
            f"[{_VERDICT_STYLE[verdict]}]{verdict.upper()}[/]  {m['kind']} batch {doc['batch']} of {safe(doc['partner'])} / "
            f"{safe(doc['project'])}  (audit {doc['audit']}, {_headline(m)})",
            expand=False,
        )
    )
    if doc["reasons"]:
        table = Table(title="Contract clauses", title_justify="left")
        for name in ("clause", "outcome"):
            table.add_column(name)
        table.add_column("measured against the contract", overflow="fold")
        order = ("reject", "review", "unchecked", "met")
        for r in sorted(doc["reasons"], key=lambda r: order.index(r["outcome"])):
            table.add_row(
                r["clause"], f"[{_OUTCOME_STYLE[r['outcome']]}]{r['outcome']}[/]", safe(r["detail"])
            )
        console.print(table)
    else:
        console.print(f"The contract sets no [{m['kind']}] clause: nothing to judge the batch by.")
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
            style = _SEVERITY_STYLE[f["severity"]]
            table.add_row(
                f"[{style}]{f['severity']}[/]",
                f"[bold]{f['kind']}[/] {safe(f['detail'])}",
                f.get("action") or "",
            )
        console.print(table)
    else:
        console.print("No findings.")
    plan = doc["sampling_plan"]
    if plan is not None:
        console.print(
            f"Sampling plan: re-check {plan['sample_size']:,} of {plan['lot_size']:,} tasks (ISO 2859-1 code "
            f"{plan['code_letter']}, AQL {plan['aql']:g}%): accept with at most {plan['accept_number']} defective. "
            f"Then: labelpact audits sample {doc['audit']} --out sample.csv, fill it in, and labelpact review "
            f"{doc['audit']} --results sample.csv"
        )


@click.command(
    epilog="Example: labelpact simulate --kind preferences --out prefs.csv --biased-share 0.4 --truth workers.csv",
)
@click.option(
    "--kind", type=click.Choice(KINDS), default="labels", show_default=True, help="What to simulate."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="The file to write (.csv, .jsonl, .parquet).",
)
@click.option("--size", type=int, default=None, help="Comparisons (preferences) or tasks (other kinds).")
@click.option("--spammer-share", type=float, default=0.1, show_default=True, help="Share of spammers.")
@click.option(
    "--biased-share",
    type=float,
    default=0.1,
    show_default=True,
    help="Share of position-biased workers (preferences) or of each biased rater kind (ratings).",
)
@click.option(
    "--llm-share",
    type=float,
    default=0.2,
    show_default=True,
    help="Share of LLM-pasting writers (demonstrations).",
)
@click.option(
    "--truth", type=click.Path(path_type=Path), default=None, help="Also write each worker's kind (CSV)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulation.")
@common_options
def simulate(
    kind: str,
    out: Path,
    size: int | None,
    spammer_share: float,
    biased_share: float,
    llm_share: float,
    truth: Path | None,
    seed: int,
    workspace: Path | None,
    db: str | None,
    as_json: bool,
) -> None:
    """Write a simulated delivery with known truth: labels, preferences, ratings or demonstrations, with
    spammers, position-biased raters and LLM-pasting writers."""
    output = make_output(as_json)
    summary = simulate_deliverable(
        kind, out, size=size, spammer_share=spammer_share, biased_share=biased_share, llm_share=llm_share,
        truth=truth, random_state=seed,
    )  # fmt: skip

    def render() -> None:
        kinds = ", ".join(f"{n} {k}" for k, n in summary["worker_kinds"].items())
        output.stdout.print(f"Wrote {summary['n_rows']:,} simulated {kind} rows to {out} ({kinds})")

    output.emit(summary, render)


# the routes ``audit`` and ``ingest`` take: what they pass on, and the options only labels take
audit_route = kind_dispatch(
    audit_kind_file,
    passed=(
        "partner",
        "project",
        "gold",
        "contract",
        "delivered_at",
        "due_at",
        "task_column",
        "worker_column",
        "sample_seed",
    ),
    label_only={
        "tasks": None,
        "pred_probs": None,
        "slice_columns": (),
        "phone_regions": (),
        "strict": False,
        "label_column": None,
        "engine": "local",
        "scheduler": None,
    },
    renamed={"seed": "random_state"},
)
ingest_route = kind_dispatch(
    ingest_kind_file,
    passed=("partner", "project", "gold", "task_column", "worker_column", "delivered_at", "due_at"),
    label_only={"tasks": None, "label_column": None, "classes": None, "strict": False, "duplicates": "keep"},
)
