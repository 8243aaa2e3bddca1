"""Out-of-sample posteriors for calibration and honest gold scores: cross-fitting over gold, held-out labels.

A model scored on the gold that anchored it is right by construction; one refitted *without* any gold
is scored fairly but is a weaker model than the one delivered, so its accuracy is biased low.
Cross-fitting (Chernozhukov et al., *Double/debiased machine learning*, Econometrics Journal 21, 2018)
splits the gold into folds and refits with every fold but one as anchors: each gold task is then
scored by a fit as strong as the delivered one that never saw its gold label.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from labelpact.core.aggregators.base import Aggregator
from labelpact.core.aggregators.predictive import label_rows
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.calibration import fit_rho_on_labels
from labelpact.core.keyed import annotation_keys, keyed_folds
from labelpact.errors import quiet_convergence

__all__ = [
    "CROSS_FIT_LABELS",
    "cross_fit",
    "cross_fit_procedure",
    "held_out_labels",
    "label_check_rho",
    "refit",
    "subset",
]

# up to this many labels gold scores come from cross-fits (one fit per gold fold and member); above, from
# the no-gold fits auto already has: the gold is then anchors on a large delivery, and the cost would grow
CROSS_FIT_LABELS = 50_000


def refit(
    start: Aggregator | None, cold: Aggregator, a: Annotations, gold: Gold | None, *, quiet: bool = True
) -> Aggregator:
    """Fit ``start`` again warm (from its own parameters) when given, else fit ``cold``; returns the fitted model.

    Non-convergence of a trial fit (``quiet``) is no news to the user: the final fit still warns.
    """
    model = cold
    if start is not None and "warm_start" in start.get_params():
        start.warm_start = True  # type: ignore[attr-defined]
        model = start
    if not quiet:
        return model.fit(a, gold)
    with quiet_convergence():
        return model.fit(a, gold)


def cross_fit(
    a: Annotations,
    gold: Gold,
    members: dict[str, Callable[[], Aggregator]],
    *,
    starts: dict[str, Aggregator] | None = None,
    n_folds: int = 5,
    random_state: int | None = 0,
) -> list[FloatArray]:
    """Per member, posteriors (n_gold, K) of the gold tasks, each from a fit anchored by the other folds' gold.

    The gold is split into ``min(n_folds, n_gold)`` seeded folds; fold ``f``'s tasks are scored by a
    fit with every other fold's gold as anchors. ``starts`` (fits that saw no gold) warm-start those
    refits; they are copied, never changed.
    """
    n = len(gold)
    folds = min(n_folds, n)
    fold = np.random.default_rng(random_state).permutation(n) % folds
    out = {name: np.empty((n, a.n_classes)) for name in members}
    for f in range(folds):
        seen, held = fold != f, fold == f
        anchors = Gold(task=gold.task[seen], label=gold.label[seen])
        for name, make in members.items():
            start = (starts or {}).get(name)
            model = refit(copy.deepcopy(start) if start is not None else None, make(), a, anchors)
            out[name][held] = model.probas_[gold.task[held]]
    return list(out.values())


def cross_fit_procedure(what: str, n_gold: int, n_folds: int = 5) -> str:
    """How ``cross_fit`` scored ``what`` on ``n_gold`` gold tasks, in words (one fold: a fit without gold)."""
    folds = min(n_folds, n_gold)
    if folds < 2:
        return f"{what} refitted without the {n_gold} gold tasks, scored on them"
    return (
        f"{what} cross-fitted over {n_gold} gold tasks in {folds} folds: "
        "each fold scored by a fit anchored by the other folds' gold"
    )


def held_out_labels(a: Annotations, n_folds: int, seed: int | None) -> IntArray:
    """A seeded fold number per annotation (n_annotations,), a function of its task and worker names and
    its class (``core.keyed``): the order of the rows and of the codes does not move it."""
    return keyed_folds(annotation_keys(a, seed), n_folds)


def label_check_rho(
    a: Annotations, members: dict[str, Callable[[], Aggregator]], *, n_folds: int = 5, seed: int | None = 0
) -> float:
    """``calibration.fit_rho_on_labels`` on one fold of held-out labels, the members refitted without them.

    One refit per member; 0 when there are too few labels to hold any out.
    """
    if a.n_annotations < 2 * n_folds or a.n_classes < 2:
        return 0.0
    held = held_out_labels(a, n_folds, seed) == 0
    train = subset(a, ~held)
    task, worker, label = a.task[held], a.worker[held], a.label[held]
    posteriors: list[FloatArray] = []
    rows: list[FloatArray] = []
    for make in members.values():
        model = refit(None, make(), train, None)
        q, c = label_rows(model, train, task, worker, label)
        posteriors.append(q)
        rows.append(c)
    return fit_rho_on_labels(posteriors, rows, train.labels_per_task()[task])


def subset(a: Annotations, rows: npt.NDArray[np.bool_]) -> Annotations:
    """The annotations at ``rows`` (a boolean mask), with every vocabulary kept."""
    keep = np.asarray(rows, dtype=bool)
    return Annotations(
        task=a.task[keep],
        worker=a.worker[keep],
        label=a.label[keep],
        tasks=a.tasks,
        workers=a.workers,
        classes=a.classes,
    )
