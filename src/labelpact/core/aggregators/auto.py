"""``auto``: average the generative models' posteriors, or pick a method by cross-validated gold accuracy."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from labelpact.core.aggregators.base import Aggregator, check_positive_int
from labelpact.core.aggregators.dawid_skene import DawidSkene, OneCoinDawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import ConvergenceWarning, InvalidInputError

__all__ = ["CANDIDATES", "Auto"]

BoolArray = npt.NDArray[np.bool_]

# The generative models whose posteriors auto averages.
CANDIDATES: dict[str, Callable[[int | None], Aggregator]] = {
    "ds": lambda seed: DawidSkene(),
    "one-coin-ds": lambda seed: OneCoinDawidSkene(),
    "glad": lambda seed: GLAD(),
    "mace": lambda seed: MACE(random_state=seed),
    "ebcc": lambda seed: EBCC(random_state=seed),
}
# With gold, accuracy can judge any method, so the votes join in.
ALL: dict[str, Callable[[int | None], Aggregator]] = {
    "mv": lambda seed: MajorityVote(),
    "wawa": lambda seed: Wawa(),
    **CANDIDATES,
}


class Auto(Aggregator):
    """A principled default: Bayesian-style model averaging, or model selection by gold when there is enough.

    Without gold (or with fewer than ``n_folds`` gold tasks): the task posteriors of every candidate
    generative model are averaged with equal weights (uniform model averaging; no single truth-inference
    method dominates across datasets, Zheng et al., *Truth Inference in Crowdsourcing: Is the Problem
    Solved?*, VLDB 2017). With at least ``n_folds`` gold tasks: each candidate, votes and the average
    included, is scored by accuracy on held-out gold folds when fitted with the other folds' gold; the
    best replaces the average only when a paired sign test on the gold tasks says it is better by two
    standard errors (a few honeypots are too noisy to overrule the default), and is refitted with all the gold. ``chosen_``, ``criterion_`` and ``scores_`` say what was used.
    """

    chosen_: str
    criterion_: str
    scores_: dict[str, float]
    models_: dict[str, Aggregator]

    def __init__(
        self, *, candidates: Sequence[str] | None = None, n_folds: int = 5, random_state: int | None = 0
    ) -> None:
        self.candidates = candidates
        self.n_folds = n_folds
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_positive_int("n_folds", self.n_folds)
        if self.n_folds < 2:
            raise InvalidInputError("n_folds of at least 2", got=repr(self.n_folds))
        if self.candidates is not None and (
            not self.candidates or any(c not in CANDIDATES for c in self.candidates)
        ):
            raise InvalidInputError(f"candidates among {sorted(CANDIDATES)}", got=repr(self.candidates))

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        names = list(self.candidates or CANDIDATES)
        if gold is not None and len(gold) >= self.n_folds:
            options = ["mv", "wawa", *names, AVERAGE]
            self.criterion_ = f"{self.n_folds}-fold cross-validated accuracy on {len(gold)} gold tasks"
            self.scores_, right = _gold_scores(a, gold, options, names, self.n_folds, self.random_state)
            best = max(options, key=lambda name: self.scores_[name])  # first listed wins a tie
            self.chosen_ = best if _clearly_better(right[best], right[AVERAGE]) else AVERAGE
        else:
            self.criterion_ = "equal-weight average of the candidates' posteriors"
            self.scores_ = {}
            self.chosen_ = AVERAGE
        chosen = names if self.chosen_ == AVERAGE else [self.chosen_]
        probas, self.models_ = _average(a, gold, chosen, self.random_state, quiet=False)
        self.n_iter_ = max(model.n_iter_ for model in self.models_.values())
        return probas

    @property
    def description_(self) -> str:
        """One line: which method produced the labels, and how it was chosen."""
        used = ", ".join(self.models_)
        if self.chosen_ == AVERAGE:
            how = "mean posterior of " + used
        else:
            how = self.chosen_
        return f"auto: {how} ({self.criterion_})"


AVERAGE = "average"


def _average(
    a: Annotations, gold: Gold | None, names: list[str], seed: int | None, *, quiet: bool
) -> tuple[FloatArray, dict[str, Aggregator]]:
    """Mean posterior (n_tasks, n_classes) of the named methods, and the fitted models."""
    models: dict[str, Aggregator] = {}
    for name in names:
        model = ALL[name](seed)
        models[name] = _quietly_fit(model, a, gold) if quiet else model.fit(a, gold)
    probas: FloatArray = np.mean([m.probas_ for m in models.values()], axis=0)
    return probas, models


def _quietly_fit(model: Aggregator, a: Annotations, gold: Gold | None) -> Aggregator:
    """Fit a trial model; its non-convergence is no news to the user, the final refit still warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(a, gold)


def _gold_scores(
    a: Annotations, gold: Gold, options: list[str], names: list[str], n_folds: int, seed: int | None
) -> tuple[dict[str, float], dict[str, BoolArray]]:
    """Cross-validated accuracy on gold tasks per option, and which gold tasks each got right (in gold order)."""
    fold = np.random.default_rng(seed).permutation(len(gold)) % n_folds
    right = {name: np.zeros(len(gold), dtype=bool) for name in options}
    for f in range(n_folds):
        known = Gold(task=gold.task[fold != f], label=gold.label[fold != f])
        held = fold == f
        held_task, held_label = gold.task[held], gold.label[held]
        fitted = {name: _quietly_fit(ALL[name](seed), a, known) for name in options if name != AVERAGE}
        for name in options:
            if name == AVERAGE:
                probas = np.mean([fitted[n].probas_[held_task] for n in names], axis=0)
            else:
                probas = fitted[name].probas_[held_task]
            right[name][held] = probas.argmax(axis=1) == held_label
    return {name: float(r.mean()) for name, r in right.items()}, right


def _clearly_better(challenger: BoolArray, default: BoolArray, z: float = 2.0) -> bool:
    """Paired sign test on the gold tasks the two disagree on: does ``challenger`` win by ``z`` standard errors?"""
    wins = int(np.sum(challenger & ~default))
    losses = int(np.sum(~challenger & default))
    return wins - losses > z * np.sqrt(wins + losses) if wins + losses else False
