"""Use cases after an audit: a reviewer's answers for the sample decide the lot; the consensus goes out.

The decision follows the audit's ISO 2859-1 plan exactly: the reviewer must answer every sampled task
(a partial or padded sample is not the random sample the plan's promise rests on), and the lot is
accepted when at most ``accept_number`` of them are defective.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from labelpact.core.acceptance import SamplingPlan, acceptance_probability, decide
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.io.predictions import read_review_results
from labelpact.store import AuditRecord, ReviewRecord, Store

__all__ = ["ReviewOutcome", "consensus_table", "export_consensus", "review_sample"]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """The stored review and the ``labelpact review --json`` document."""

    review: ReviewRecord
    document: dict[str, Any]


def consensus_table(store: Store, audit: AuditRecord) -> pa.Table:
    """The consensus an audit stored (task, label, confidence, p_<class>...)."""
    file = audit.file("consensus")
    if file is None:
        raise NotFoundError(f"audit {audit.id} has no stored consensus")
    return pq.read_table(store.blob_path(file))


def _plan(audit: AuditRecord) -> SamplingPlan:
    plan = audit.sampling_plan
    if plan is None:
        raise NotFoundError(f"audit {audit.id} has no sampling plan")
    return SamplingPlan(
        lot_size=int(plan["lot_size"]),
        code_letter=str(plan.get("code_letter", "?")),
        sample_size=int(plan["sample_size"]),
        accept_number=int(plan["accept_number"]),
        reject_number=int(plan["reject_number"]),
        aql=float(plan.get("aql", 0.0)),
        inspection_level=str(plan.get("inspection_level", "II")),
        plan_letter=str(plan.get("code_letter", "?")),
    )


def review_sample(
    store: Store, ref: str, results: str | Path, *, reviewer: str | None = None
) -> ReviewOutcome:
    """Decide accept or reject from a reviewer's answers for the sample of audit ``ref`` (or a batch's
    latest audit) and store the review. ``results``: ``task,label`` (the correct class) or ``task,defective``.

    The plan's decision on the sample is stored as the review's decision; the batch's decision stays
    ``reject`` when the audit rejected it on a clause (personal data, agreement...) that no sample measures.
    """
    audit = resolve_audit(store, ref)
    plan = _plan(audit)
    table = consensus_table(store, audit)
    tasks = table["task"].to_pylist()
    classes = [name.removeprefix("p_") for name in table.column_names if name.startswith("p_")]
    lookup = {name: k for k, name in enumerate(classes)}
    labels = table["label"].to_pylist()
    consensus = np.array([lookup.get(y, -1) if y is not None else -1 for y in labels], dtype=np.intp)
    answers = read_review_results(results, tasks=tasks, classes=classes, consensus=consensus)
    position = {name: k for k, name in enumerate(tasks)}
    sample = np.array([position[t] for t in audit.sample_tasks], dtype=np.intp)
    outside = np.setdiff1d(answers.task, sample)
    if len(outside):
        raise InvalidInputError(
            f"answers only for the {len(sample)} tasks the audit sampled",
            file=results,
            column="task",
            got=f"{len(outside)} other tasks, e.g. {tasks[int(outside[0])]!r}",
        )
    missing = np.setdiff1d(sample, answers.task)
    if len(missing):
        raise InvalidInputError(
            f"an answer for each of the {len(sample)} sampled tasks (the plan needs them all)",
            file=results,
            column="task",
            got=f"{len(missing)} missing, e.g. {tasks[int(missing[0])]!r}",
        )
    n_defective = int(answers.defective.sum())
    decision = decide(plan, n_defective)
    record = store.add_review(
        audit.id,
        results=Path(results),
        n_inspected=len(sample),
        n_defective=n_defective,
        decision=decision,
        reviewer=reviewer,
    )
    defective = [tasks[int(t)] for t in answers.task[answers.defective]]
    rate = n_defective / max(len(sample), 1)
    standing = [r["clause"] for r in audit.reasons if r.get("outcome") == "reject"]
    document = {
        "review": record.id,
        "audit": audit.id,
        "batch": audit.batch,
        # a sample can settle a review, never lift a rejection on clauses it does not measure
        "decision": "reject" if standing else decision,
        "sample_decision": decision,
        "rejected_on": standing,
        "n_inspected": len(sample),
        "n_defective": n_defective,
        "accept_number": plan.accept_number,
        "reject_number": plan.reject_number,
        "defect_rate": rate,
        "acceptance_probability_at_aql": acceptance_probability(plan, min(plan.aql / 100.0, 1.0)),
        "defective_tasks": defective,
        "reviewer": reviewer,
    }
    return ReviewOutcome(review=record, document=document)


def resolve_audit(store: Store, ref: str) -> AuditRecord:
    """An audit id (``a7``) or a batch id, whose latest audit is meant."""
    text = ref.strip().lower()
    if text.startswith("a") and text[1:].isdigit():
        return store.get_audit(text)
    batch = store.get_batch(ref)
    latest = store.latest_audit(batch.id)
    if latest is None:
        raise NotFoundError(f"batch {batch.id} has not been audited yet: run labelpact audit first")
    return latest


def export_consensus(store: Store, ref: str, out: str | Path) -> tuple[AuditRecord, int]:
    """Write the consensus of audit ``ref`` (or a batch's latest) as ``task,label,confidence``: CSV, or
    Parquet by extension (with the per-class probabilities). Returns the audit and the rows written."""
    audit = resolve_audit(store, ref)
    table = consensus_table(store, audit)
    target = Path(out)
    if target.suffix.lower() in (".parquet", ".pq"):
        pq.write_table(table, target)
    else:
        pacsv.write_csv(
            table.select(["task", "label", "confidence"]),
            target,
            pacsv.WriteOptions(quoting_style="needed"),
        )
    return audit, table.num_rows
