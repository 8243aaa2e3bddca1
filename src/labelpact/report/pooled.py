"""Project-level numbers pooled over the published batches: annotations per item is sum(annotations) /
sum(labelled tasks); gold accuracy is weighted by gold tasks; the consensus error rate and the label-error
share by labelled tasks; agreement is summarised by its median and range (per-batch intervals stay with their
batches). Tasks delivered without a label have no consensus label and are counted nowhere here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from labelpact.report.facts import AuditFacts

__all__ = ["Pooled", "pooled"]


@dataclass(frozen=True, slots=True)
class Pooled:
    """Project-level numbers over the published batches (None where no batch measured them); ``n_tasks`` is
    the labelled tasks, those with a consensus label."""

    n_batches: int
    n_tasks: int
    n_annotations: int
    n_workers: int
    annotations_per_item: float | None
    per_item_range: tuple[float, float] | None
    gold_accuracy: float | None
    n_gold: int
    agreement_median: float | None
    agreement_range: tuple[float, float] | None
    error_rate: float | None
    error_range: tuple[float, float] | None
    error_upper: float | None  # the largest upper 95% bound of a published batch's error rate
    n_verified: int
    label_error_rate: float | None


def pooled(audits: Sequence[AuditFacts]) -> Pooled:
    """Pool the published batches' measurements (weights as the module docstring says)."""
    n_tasks = sum(a.n_labelled_tasks for a in audits)
    per_item = [a.annotations_per_item for a in audits if a.n_labelled_tasks]
    gold = [(a.n_gold, a.gold_accuracy.value) for a in audits if a.gold_accuracy is not None and a.n_gold]
    n_gold = sum(n for n, _ in gold)
    alphas = [a.agreement.value for a in audits if a.agreement is not None]
    errors = [(a.n_labelled_tasks, a.error_rate.value) for a in audits if a.error_rate is not None]
    n_err = sum(n for n, _ in errors)
    flagged = [(a.n_labelled_tasks, a.label_error_rate) for a in audits if a.label_error_rate is not None]
    n_flag = sum(n for n, _ in flagged)
    return Pooled(
        n_batches=len(audits),
        n_tasks=n_tasks,
        n_annotations=sum(a.n_annotations for a in audits),
        n_workers=sum(a.n_workers for a in audits),
        annotations_per_item=sum(a.n_annotations for a in audits) / n_tasks if n_tasks else None,
        per_item_range=(min(per_item), max(per_item)) if per_item else None,
        gold_accuracy=sum(n * v for n, v in gold) / n_gold if n_gold else None,
        n_gold=n_gold,
        agreement_median=statistics.median(alphas) if alphas else None,
        agreement_range=(min(alphas), max(alphas)) if alphas else None,
        error_rate=sum(n * v for n, v in errors) / n_err if n_err else None,
        error_range=(min(v for _, v in errors), max(v for _, v in errors)) if errors else None,
        error_upper=max(highs)
        if (highs := [a.error_rate.high for a in audits if a.error_rate and a.error_rate.high is not None])
        else None,
        n_verified=sum(1 for a in audits if a.error_rate is not None and a.error_verified),
        label_error_rate=sum(n * v for n, v in flagged) / n_flag if n_flag else None,
    )
