"""``auto``: average the generative models' posteriors, or pick a method by its accuracy on gold it never saw."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from labelpact.core.aggregators.base import Aggregator, check_positive_int, shared_counts
from labelpact.core.aggregators.dawid_skene import DawidSkene, OneCoinDawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa
from labelpact.core.aggregators.predictive import label_predictive, shared_accuracy_predictive
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import ConvergenceWarning, InvalidInputError

__all__ = ["AVERAGE", "CANDIDATES", "Auto"]

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
AVERAGE = "average"
Z_SWITCH = 2.0  # standard errors by which a challenger must win before it replaces the average
Z_EARLY = 4.0  # after the first fold of held-out labels, a verdict this clear needs no more folds
# Warm starts that pay (measured at 1M labels): every EM refit with gold from its own no-gold fit;
# from a sample's fit, not DS (full confusion matrices from a sample take more iterations than from
# the majority vote) nor EBCC, whose criterion (largest change of any posterior) then takes far longer.
WARM = frozenset({"ds", "one-coin-ds", "glad", "mace"})
WARM_FROM_SAMPLE = WARM - {"ds"}
SAMPLE = 100_000  # labels the held-out-label test starts from; it grows fourfold while its verdict is unclear


class Auto(Aggregator):
    """A principled default: model averaging, checked against majority vote on held-out labels and against gold.

    1. Default. The task posteriors of the candidate generative models (DS, one-coin DS, GLAD, MACE,
       EBCC) are averaged with equal weights (uniform model averaging: no truth-inference method
       dominates across datasets, Zheng et al., *Truth Inference in Crowdsourcing: Is the Problem
       Solved?*, VLDB 2017), unless the model behind majority vote (one accuracy shared by every
       worker) predicts held-out labels better by ``Z_SWITCH`` standard errors: ``n_folds``-fold
       cross-validated predictive likelihood of the annotations (``predictive.py``), a paired z test
       over held-out labels, stopping after one fold when the verdict is beyond ``Z_EARLY``. That is
       the case when workers have too few labels for their individual reliabilities to be learned.
    2. Gold. With at least ``n_folds`` gold tasks, every option (majority vote, Wawa, each candidate,
       their average) is fitted once *without* gold and scored on all gold tasks, which are therefore
       out of sample; the best replaces the default only when a paired sign test on the gold tasks
       says it is better by two standard errors (a few honeypots are too noisy to overrule it).
    3. The chosen option is refitted with all the gold, if any, as anchors.

    Large deliveries (more than ``SAMPLE`` labels). Step 1 first runs on the labels of a seeded random
    set of whole tasks, about ``SAMPLE`` labels: a sample keeps each task's redundancy but gives every
    worker fewer labels, which can only favour the shared-accuracy model, so a sample's verdict for
    the worker-specific models (z below ``-Z_SWITCH``) holds for the whole delivery; any other verdict
    is retried on a sample four times larger, up to all the labels. The full fits then warm-start
    from the sample's fits (EM from a good start converges in a few iterations; MACE refines its best
    restart instead of restarting; DS and EBCC start cold, see ``WARM_FROM_SAMPLE``), and step 3
    warm-starts from the no-gold fits of step 2. Smaller deliveries are fitted cold, as above.

    Cost: the candidates' fits plus one to ``n_folds`` refits of them on four fifths of the labels
    (of the sample), plus one no-gold fit of each option when gold is given. ``default_``,
    ``label_test_z_``, ``label_test_size_`` (labels the verdict rests on), ``chosen_``, ``criterion_``
    and ``scores_`` (no-gold accuracy on the gold per option) say what was used.
    ``held_out_accuracy_`` is the accuracy of the procedure on gold it did not use: the gold is
    split into ``n_folds`` folds, and for each fold step 2 is redone from the other folds' scores alone
    and scored on that fold with the no-gold fits. It is conservative (the delivered labels also use
    the gold as anchors); None when step 2 did not run.
    """

    chosen_: str
    criterion_: str
    scores_: dict[str, float]
    models_: dict[str, Aggregator]
    held_out_accuracy_: float | None
    label_test_z_: float
    label_test_size_: int
    default_: str

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
        with shared_counts():  # every option's fits on ``a`` share one count matrix
            return self._fit_options(a, gold)

    def _fit_options(self, a: Annotations, gold: Gold | None) -> FloatArray:
        names = list(self.candidates or CANDIDATES)
        self.held_out_accuracy_ = None
        z, size, starts = _label_test(a, names, self.n_folds, self.random_state)
        self.label_test_z_, self.label_test_size_ = z, size
        self.default_ = "mv" if z > Z_SWITCH else AVERAGE
        sample = f" on a sample of {size} of the {a.n_annotations} labels" if size < a.n_annotations else ""
        if self.default_ == "mv":
            why = f"held-out labels: one accuracy shared by all workers predicts them best, z = {z:.1f}"
        else:
            why = f"held-out labels favour worker-specific models, z = {z:.1f}{sample}"
        self.scores_ = {}
        self.chosen_ = self.default_
        self.criterion_ = why
        if gold is not None and len(gold) >= self.n_folds:
            options = ["mv", "wawa", *names, AVERAGE]
            blind = {
                name: _refit(starts.get(name), ALL[name](self.random_state), a, None) for name in options[:-1]
            }
            right = _gold_hits(blind, gold, names)
            self.scores_ = {name: float(r.mean()) for name, r in right.items()}
            self.chosen_ = _select(right, options, self.default_)
            fold = np.random.default_rng(self.random_state).permutation(len(gold)) % self.n_folds
            self.held_out_accuracy_ = _replayed_accuracy(right, options, self.default_, fold)
            verdict = "kept" if self.chosen_ == self.default_ else f"overruled by {self.chosen_}"
            self.criterion_ = f"{why}; {verdict} on {len(gold)} gold tasks, scored with fits without them"
            if starts:  # large delivery: the gold-anchored refits start from the no-gold fits
                starts = {name: model for name, model in blind.items() if name in WARM}
        chosen = names if self.chosen_ == AVERAGE else [self.chosen_]
        self.models_ = {
            name: _refit(starts.get(name), ALL[name](self.random_state), a, gold, quiet=False)
            for name in chosen
        }
        probas: FloatArray = np.mean([m.probas_ for m in self.models_.values()], axis=0)
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


def _refit(
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(a, gold)


def _gold_hits(blind: dict[str, Aggregator], gold: Gold, names: list[str]) -> dict[str, BoolArray]:
    """Per option (votes, candidates, their average): which gold tasks its no-gold fit gets right, in gold order."""
    fitted = {name: model.probas_[gold.task] for name, model in blind.items()}
    fitted[AVERAGE] = np.mean([fitted[name] for name in names], axis=0)
    return {name: probas.argmax(axis=1) == gold.label for name, probas in fitted.items()}


def _select(right: dict[str, BoolArray], options: list[str], default: str) -> str:
    """The most accurate option if it clearly beats ``default`` on these gold tasks, else ``default``."""
    best = max(options, key=lambda name: float(right[name].mean()))  # first listed wins a tie
    return best if _clearly_better(right[best], right[default]) else default


def _replayed_accuracy(
    right: dict[str, BoolArray], options: list[str], default: str, fold: npt.NDArray[np.intp]
) -> float:
    """Cross-validated accuracy of the selection rule: choose on the other folds, score on the held-out one."""
    hits = 0
    for f in np.unique(fold):
        seen = fold != f
        choice = _select({name: r[seen] for name, r in right.items()}, options, default)
        hits += int(right[choice][~seen].sum())
    return hits / len(fold)


def _clearly_better(challenger: BoolArray, default: BoolArray, z: float = 2.0) -> bool:
    """Paired sign test on the gold tasks the two disagree on: does ``challenger`` win by ``z`` standard errors?"""
    wins = int(np.sum(challenger & ~default))
    losses = int(np.sum(~challenger & default))
    return wins - losses > z * np.sqrt(wins + losses) if wins + losses else False


def _label_test(
    a: Annotations, names: list[str], n_folds: int, seed: int | None
) -> tuple[float, int, dict[str, Aggregator]]:
    """The held-out-label z (``_shared_accuracy_z``), the labels it used, and the candidates' fits to warm-start from.

    Runs on growing samples of whole tasks (``_task_sample``: ``SAMPLE`` labels, then four times as
    many) until the verdict favours the worker-specific models beyond ``Z_SWITCH`` or the sample is
    every label. The fits are returned only when a sample decided (empty dict otherwise).
    """
    size = SAMPLE
    while True:
        sample = _task_sample(a, size, seed)
        z, fits = _shared_accuracy_z(sample, names, n_folds, seed)
        if sample.n_annotations == a.n_annotations:
            return z, a.n_annotations, {}
        if z < -Z_SWITCH:
            return z, sample.n_annotations, {n: m for n, m in fits.items() if n in WARM_FROM_SAMPLE}
        size *= 4


def _task_sample(a: Annotations, size: int, seed: int | None) -> Annotations:
    """The labels of a seeded random set of whole tasks, at most ``size`` labels; ``a`` itself when it has no more.

    Tasks are drawn in one seeded order, so a larger sample contains the smaller; workers and
    classes keep their codes (fits on the sample can warm-start fits on ``a``), tasks are recoded.
    """
    if a.n_annotations <= size:
        return a
    per_task = np.bincount(a.task, minlength=a.n_tasks)
    order = np.random.default_rng(seed).permutation(a.n_tasks)
    keep = np.sort(order[np.cumsum(per_task[order]) <= size])
    code = np.full(a.n_tasks, -1, dtype=np.intp)
    code[keep] = np.arange(len(keep))
    rows = code[a.task] >= 0
    return Annotations(
        task=code[a.task[rows]],
        worker=a.worker[rows],
        label=a.label[rows],
        tasks=tuple(a.tasks[i] for i in keep),
        workers=a.workers,
        classes=a.classes,
    )


def _shared_accuracy_z(
    a: Annotations, names: list[str], n_folds: int, seed: int | None
) -> tuple[float, dict[str, Aggregator]]:
    """Paired z statistic of held-out label log-likelihood: majority vote's model minus the candidates' mixture.

    The annotations are split into ``n_folds`` folds; each fold's labels are predicted by models
    fitted on the others (``predictive.py``). Positive: one accuracy shared by every worker explains
    unseen labels better than the worker-specific models, which then overfit. After the first fold a
    verdict beyond ``Z_EARLY`` stops early (large deliveries), so the cost is one to ``n_folds`` refits
    of the candidates, the last of which are returned. 0 when there are too few labels to split.
    """
    if a.n_annotations < 2 * n_folds or a.n_classes < 2:
        return 0.0, {}
    # folds follow the sorted (task, worker, label) triples, so the order of the rows does not matter
    fold = np.empty(a.n_annotations, dtype=np.intp)
    fold[np.lexsort((a.label, a.worker, a.task))] = (
        np.random.default_rng(seed).permutation(a.n_annotations) % n_folds
    )
    parts: list[FloatArray] = []
    z = 0.0
    fits: dict[str, Aggregator] = {}
    for f in range(n_folds):
        held = fold == f
        train = Annotations(
            task=a.task[~held],
            worker=a.worker[~held],
            label=a.label[~held],
            tasks=a.tasks,
            workers=a.workers,
            classes=a.classes,
        )
        task, worker, label = a.task[held], a.worker[held], a.label[held]
        fits = {name: _refit(None, ALL[name](seed), train, None) for name in names}
        mixture = np.mean(
            [label_predictive(fits[name], train, task, worker, label) for name in names],
            axis=0,
        )
        parts.append(np.log(shared_accuracy_predictive(train, task, label)) - np.log(mixture))
        d = np.concatenate(parts)
        sd = float(d.std())
        z = float(d.mean() / sd * np.sqrt(len(d))) if sd > 0 else 0.0
        if f == 0 and abs(z) >= Z_EARLY:
            break
    return z, fits
