"""Krippendorff's alpha per rubric criterion (ordinal or interval) with bootstrap intervals over tasks.

Each criterion's observed scores become ordered classes and ``core.agreement`` computes alpha
(Krippendorff 2011, "Computing Krippendorff's alpha-reliability"): the interval metric uses the
scores themselves, the ordinal metric their ranks weighted by the marginal frequencies.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labelpact.core.agreement import Agreement, Level, agreement
from labelpact.core.annotations import Annotations, FloatArray
from labelpact.core.ratings.ratings import Ratings

__all__ = ["rating_agreement", "score_names", "unmeasurable_ratings"]


def score_names(values: FloatArray) -> tuple[str, ...]:
    """Class names of distinct scores ``values`` (n,): short ("3", "4.5") where that reads back as the same
    number, else Python's shortest exact form ("3.3000000000000003"). Distinct scores keep distinct names
    (12 digits had merged 3.3 and 3.3000000000000003 into one repeated class), and the interval metric,
    which reads the names as numbers, gets the scores themselves."""
    short = [f"{v:.12g}" for v in values.tolist()]  # a loop over distinct scores (a scale's few points)
    return tuple(s if float(s) == v else repr(v) for s, v in zip(short, values.tolist(), strict=True))


def rating_agreement(
    r: Ratings,
    criterion: str,
    *,
    level: Level = "ordinal",
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> Agreement:
    """Alpha (and the other coefficients of ``agreement``) on ``criterion``'s scores; tasks are units.
    A criterion nobody rated has NaN coefficients (its scale's minimum stands as the one class); a rater's
    identical repeat of a score on a task counts once. ``unidentifiable`` is ``unmeasurable_ratings``'s
    reason, not the labels' rule (see there)."""
    code = r.criterion_code(criterion)
    keep = np.flatnonzero(r.criterion == code)
    values, label = np.unique(r.score[keep], return_inverse=True)
    # a rater's identical repeat of a score on a task counts once: never paired with itself as agreement
    key = np.stack([r.task[keep], r.worker[keep], label.reshape(-1)], axis=1)
    first = np.sort(np.unique(key, axis=0, return_index=True)[1]) if len(keep) else keep
    keep, label = keep[first], label.reshape(-1)[first]
    if not len(values):
        values = np.array([r.scales[code][0]])
    a = Annotations(
        task=r.task[keep],
        worker=r.worker[keep],
        label=label.reshape(-1),
        tasks=r.tasks,
        workers=r.workers,
        classes=score_names(values),
    )
    result = agreement(
        a, level=level, n_bootstrap=n_bootstrap, confidence=confidence, random_state=random_state
    )
    return replace(result, unidentifiable=unmeasurable_ratings(a))


def unmeasurable_ratings(a: Annotations) -> str | None:
    """Why the scores coded in ``a`` (tasks as units, distinct scores as classes) leave alpha undefined, in
    one sentence; None when alpha is a measurement.

    Alpha needs tasks scored by two different raters and more than one score among them (its expected
    disagreement). Raters who agree on every task over varied scores give alpha 1.0, a value like any
    other: the labels' rule (fewer than ``MIN_DISAGREEMENTS`` disagreements leave workers' error rates
    unknown) is about truth inference, which a ratings audit does not run, so it does not apply here.
    """
    if a.n_annotations == 0:
        return "no task has a rating"
    first_worker = np.empty(a.n_tasks, dtype=np.intp)
    first_worker[a.task[::-1]] = a.worker[::-1]  # the last write wins: each task's first rater
    shared = np.bincount(a.task[a.worker != first_worker[a.task]], minlength=a.n_tasks) > 0
    if not shared.any():
        return "no task was rated by two different raters: no overlap between raters"
    pairable = a.labels_per_task()[a.task] >= 2
    used = np.unique(a.label[pairable])
    if len(used) < 2:
        return (
            f"every score on the tasks rated twice or more is {a.classes[int(used[0])]}: with one score "
            "only, agreement cannot be told from chance"
        )
    return None
