"""``Auto``'s default candidates: one per family of worker model (DS, GLAD, MACE); the others on request."""

from __future__ import annotations

import numpy as np

from labelpact.core.aggregators.auto import CANDIDATES, DEFAULT_CANDIDATES, Auto
from labelpact.core.aggregators.dawid_skene import DawidSkene, OneCoinDawidSkene
from labelpact.core.annotations import Annotations, IntArray


def class_biased_delivery(seed: int) -> tuple[Annotations, IntArray]:
    """200 binary tasks (about 45% of class 1), 9 workers on every task, each erring by class: right on
    class 0 with probability 0.8-0.98, a near coin on class 1 (0.25-0.7). Returns the annotations and the
    true class code per task, in ``a.tasks`` order."""
    rng = np.random.default_rng(seed)
    n_tasks, n_workers = 200, 9
    truth = (rng.random(n_tasks) < 0.45).astype(np.intp)
    right_on_0 = rng.uniform(0.8, 0.98, n_workers)
    right_on_1 = rng.uniform(0.25, 0.7, n_workers)
    task = np.repeat(np.arange(n_tasks), n_workers)
    worker = np.tile(np.arange(n_workers), n_tasks)
    says_0 = np.where(truth[task] == 0, right_on_0[worker], 1.0 - right_on_1[worker])
    label = (rng.random(len(task)) >= says_0).astype(np.intp)
    a = Annotations.from_columns(
        task=[f"t{t:03d}" for t in task], worker=[f"w{w}" for w in worker], label=[str(x) for x in label]
    )
    code = np.array([int(name[1:]) for name in a.tasks])
    classes = np.array([int(c) for c in a.classes])
    return a, np.searchsorted(classes, truth[code])


def accuracy(probas: np.ndarray, truth: IntArray) -> float:
    return float(np.mean(probas.argmax(axis=1) == truth))


def test_the_default_averages_ds_glad_and_mace_and_the_others_stay_available() -> None:
    a, _ = class_biased_delivery(seed=0)
    default = Auto().fit(a)
    assert DEFAULT_CANDIDATES == ("ds", "glad", "mace") and set(DEFAULT_CANDIDATES) < set(CANDIDATES)
    assert default.chosen_ == "average" and list(default.models_) == list(DEFAULT_CANDIDATES)
    assert np.allclose(default.probas_, np.mean([m.probas_ for m in default.models_.values()], axis=0))
    every = Auto(candidates=list(CANDIDATES)).fit(a)
    assert list(every.models_) == list(CANDIDATES)
    assert every.description_.startswith("auto: mean posterior of ds, one-coin-ds, glad, mace, ebcc (")


def test_one_coin_prior_collapses_when_workers_err_by_class_and_no_longer_drags_the_average() -> None:
    """The reason one-coin DS left the default: symmetric errors cannot explain class-dependent ones, so its
    class prior runs to the class the workers over-report (0.95 here, 0.55 in truth; DS stays near it)."""
    a, truth = class_biased_delivery(seed=1)
    prevalence = np.bincount(truth, minlength=2) / len(truth)
    one_coin, ds = OneCoinDawidSkene().fit(a), DawidSkene().fit(a)
    assert one_coin.priors_.max() > 0.9 and prevalence.max() < 0.6
    assert abs(ds.priors_ - prevalence).max() < 0.1
    assert accuracy(one_coin.probas_, truth) < 0.65
    default = accuracy(Auto().fit(a).probas_, truth)
    every = accuracy(Auto(candidates=list(CANDIDATES)).fit(a).probas_, truth)
    assert default > 0.9 and default > every + 0.05
