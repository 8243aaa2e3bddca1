"""Slice bias on simulated null data: tests at their nominal level, intervals that cover (labels on one task
are correlated, so the statistics cluster by task). The hunter's simulations, at fewer replicates."""

from __future__ import annotations

import numpy as np

import labelpact as lp
from labelpact.core.annotations import Gold
from labelpact.ethics import label_bias

N_REP = 60


def _null_batch(rng: np.random.Generator) -> tuple[lp.Annotations, np.ndarray, Gold, list[str]]:
    """80 gold tasks, 5 of 10 workers each; 30% are hard for everyone (20% right), the rest 95%; slices by coin."""
    n_tasks, per_task = 80, 5
    truth = rng.integers(0, 2, n_tasks)
    accuracy = np.where(rng.random(n_tasks) < 0.3, 0.2, 0.95)
    task = np.repeat(np.arange(n_tasks), per_task)
    worker = np.argsort(rng.random((n_tasks, 10)), axis=1)[:, :per_task].ravel()
    right = rng.random(task.size) < accuracy[task]
    label = np.where(right, truth[task], 1 - truth[task])
    names = [f"t{t}" for t in range(n_tasks)]
    a = lp.Annotations.from_columns(
        task=[names[t] for t in task],
        worker=[f"w{w}" for w in worker],
        label=label.astype(str),
        classes=["0", "1"],
    )
    order = [int(n[1:]) for n in a.tasks]
    gold = Gold.from_names(a, task=names, label=[str(v) for v in truth])
    slices = ["A" if coin else "B" for coin in rng.random(a.n_tasks) < 0.5]
    return a, truth[order], gold, slices


def test_random_slices_flag_worse_gold_accuracy_at_the_nominal_rate_and_intervals_cover() -> None:
    rng = np.random.default_rng(0)
    flags = cover = 0
    for _ in range(N_REP):
        a, consensus, gold, slices = _null_batch(rng)
        s = label_bias(a, consensus, slices, gold=gold).slices[0]
        flags += "gold_accuracy" in s.flags
        lo, hi = s.gold_accuracy_ci
        cover += lo <= 0.3 * 0.2 + 0.7 * 0.95 <= hi
    # labels treated as independent flagged 25% of null batches (15 of 60) and covered 75%
    assert flags <= 7  # binomial(60, 0.05) exceeds 7 with probability 0.03
    assert cover >= 0.88 * N_REP


def test_agreement_interval_covers_and_is_never_zero_width_on_unanimous_tasks() -> None:
    rng = np.random.default_rng(0)
    p = 0.98
    true = p * p + (1 - p) * (1 - p)
    cover = zero_width = 0
    tasks = [f"t{t}" for t in range(40) for _ in range(3)]
    slices = ["A" if int(n[1:]) < 20 else "B" for n in dict.fromkeys(tasks)]
    for _ in range(2 * N_REP):
        labels = np.where(rng.random(120) < p, "a", "b")
        a = lp.Annotations.from_columns(
            task=tasks, worker=["w0", "w1", "w2"] * 40, label=labels, classes=["a", "b"]
        )
        s = label_bias(a, np.zeros(a.n_tasks, dtype=np.intp), slices).slices[0]
        lo, hi = s.agreement_ci
        cover += lo <= true <= hi
        zero_width += lo == hi
    assert zero_width == 0  # the cluster variance alone gave [1, 1] in 29% of runs
    assert cover >= 0.9 * 2 * N_REP
