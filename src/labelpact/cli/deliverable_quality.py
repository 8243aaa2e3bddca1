"""``aggregate``, ``agreement`` and ``workers`` for preferences, ratings and demonstrations (``--kind``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from labelpact.cli.common import Output, safe
from labelpact.cli.deliverables import kind_dispatch
from labelpact.services.refinement_quality import (
    deliverable_aggregate,
    deliverable_agreement,
    deliverable_workers,
)

__all__ = ["aggregate_route", "agreement_route", "workers_route"]

_SHOWN = {  # the columns of the workers table (--json and --out have them all)
    "worker", "n_comparisons", "majority_agreement", "left_rate", "position_bias", "spammer_score", "n_ratings",
    "straight_lining", "n_answers", "llm_suspect_share", "template_share",
}  # fmt: skip
_LABELS_ONLY = {"label_column": None, "engine": "local", "scheduler": None}


def _number(value: Any) -> str:
    return "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def aggregate_kind_file(output: Output, path: Path, *, kind: str, **options: Any) -> None:
    """Rank preference items or score rated tasks; ``--out`` gets the CSV."""
    options.pop("workspace"), options.pop("db")
    doc = deliverable_aggregate(path, kind=kind, **options)

    def render() -> None:
        if kind == "preferences":
            output.stdout.print(
                f"Bradley-Terry over {doc['n_comparisons']:,} comparisons of {doc['n_items']:,} items by "
                f"{doc['n_workers']:,} workers in {doc['seconds']:.2f} s; strongest: {safe(', '.join(doc['top_items'][:5]))}"
            )
            for problem in doc["unrankable"]:
                output.stderr.print(f"note: {problem}", markup=False, highlight=False)
        else:
            output.stdout.print(
                f"Consensus scores of {doc['n_tasks']:,} tasks on {safe(', '.join(doc['criteria']))} "
                f"(additive rater-effects model) in {doc['seconds']:.2f} s"
            )

    output.emit(doc, render)


def agreement_kind_file(output: Output, path: Path, *, kind: str, **options: Any) -> None:
    """Krippendorff's alpha on preference choices, or per rubric criterion."""
    options.pop("workspace"), options.pop("db")
    doc = deliverable_agreement(path, kind=kind, **options)

    def render() -> None:
        rows = {"choices": doc} if kind == "preferences" else doc["criteria"]
        table = Table(title=f"Agreement ({doc['level']})", title_justify="left")
        for name in ("", "Krippendorff's alpha", "95% CI", "tasks used"):
            table.add_column(name)
        for name, a in rows.items():
            alpha = a["krippendorff_alpha"]
            ci = "-" if alpha["ci"][0] is None else f"{alpha['ci'][0]:.3f} to {alpha['ci'][1]:.3f}"
            table.add_row(safe(name), _number(alpha["value"]), ci, f"{a['n_tasks_used']:,}")
        output.stdout.print(table)
        for name, a in rows.items():  # the audit calls such a batch unmeasurable: say so beside the number
            if a.get("unidentifiable"):
                what = "the choices" if kind == "preferences" else repr(name)
                output.stdout.print(
                    f"Agreement on {safe(what)} cannot be measured on this batch: {safe(a['unidentifiable'])}.",
                    markup=False,
                    highlight=False,
                )
        if kind == "preferences":
            tau = doc["ranking_stability"]["kendall_tau"]
            output.stdout.print(
                f"Ranking stability: bootstrap Kendall tau {_number(tau['value'])} (95% CI {_number(tau['ci'][0])} "
                f"to {_number(tau['ci'][1])}) over {doc['ranking_stability']['n_bootstrap']} task resamples."
            )

    output.emit(doc, render)


def workers_kind_file(output: Output, path: Path, *, kind: str, **options: Any) -> None:
    """One row per worker, flagged workers first."""
    options.pop("workspace"), options.pop("db")
    top = options.pop("top")
    doc = deliverable_workers(path, kind=kind, **options)

    def render() -> None:
        rows = sorted(doc["workers"], key=lambda r: -len(r["flags"]))[:top]
        keys_offsets = [k for k in (rows[0] if rows else {}) if k.startswith("offset_")]
        table = Table(title=f"Workers ({kind}), flagged first", title_justify="left")
        keys = [k for k in rows[0] if k != "flags" and k in _SHOWN] + keys_offsets if rows else []
        for key in [*keys, "flags"]:
            table.add_column(key)
        for r in rows:
            table.add_row(*[safe(_number(r[k])) for k in keys], ", ".join(r["flags"]))
        output.stdout.print(table)

    output.emit(doc, render)


aggregate_route = kind_dispatch(
    aggregate_kind_file,
    passed=("gold", "out", "task_column", "worker_column"),
    label_only=_LABELS_ONLY | {"method": "auto"},
)
agreement_route = kind_dispatch(
    agreement_kind_file,
    passed=("level", "n_bootstrap", "task_column", "worker_column"),
    label_only=_LABELS_ONLY,
)
workers_route = kind_dispatch(
    workers_kind_file,
    passed=("gold", "out", "top", "task_column", "worker_column"),
    label_only=_LABELS_ONLY | {"method": "auto"},
)
