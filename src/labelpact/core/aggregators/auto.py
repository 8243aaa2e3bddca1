"""``auto``: average the generative models' posteriors, or pick a method by its accuracy on gold it never saw."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from labelpact.core.aggregators import base
from labelpact.core.aggregators.base import MAX_DENSE_CELLS, Aggregator, check_positive_int, shared_counts
from labelpact.core.aggregators.crossfit import (
    CROSS_FIT_LABELS,
    cross_fit,
    cross_fit_procedure,
    refit,
)
from labelpact.core.aggregators.dawid_skene import DawidSkene, OneCoinDawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa
from labelpact.core.aggregators.predictive import shared_accuracy_posterior
from labelpact.core.aggregators.shared_accuracy_test import (
    MIN_REPEAT_SHARE,
    LabelCheck,
    repeat_share,
    shared_accuracy_z,
    shared_check,
    task_sample,
)
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.calibration import (
    Calibration,
    fit_on_gold,
    fit_rho_on_labels,
    no_gold_calibration,
    vote_shares,
)
from labelpact.errors import InvalidInputError

__all__ = [
    "AVERAGE",
    "CANDIDATES",
    "DEFAULT_CANDIDATES",
    "MIN_REPEAT_SHARE",
    "Auto",
    "Sampler",
    "repeat_share",
]

BoolArray = npt.NDArray[np.bool_]
# size -> the labels of the seeded sample of whole tasks of at most that many labels (``task_sample``)
Sampler = Callable[[int], Annotations]

# The generative models whose posteriors auto averages.
CANDIDATES: dict[str, Callable[[int | None], Aggregator]] = {
    "ds": lambda seed: DawidSkene(),
    "one-coin-ds": lambda seed: OneCoinDawidSkene(),
    "glad": lambda seed: GLAD(),
    "mace": lambda seed: MACE(random_state=seed),
    "ebcc": lambda seed: EBCC(random_state=seed),
}
# The candidates ``Auto`` averages unless told otherwise: one per family of worker model (see ``Auto``).
DEFAULT_CANDIDATES = ("ds", "glad", "mace")
# With gold, accuracy can judge any method, so the votes join in.
ALL: dict[str, Callable[[int | None], Aggregator]] = {
    "mv": lambda seed: MajorityVote(),
    "wawa": lambda seed: Wawa(),
    **CANDIDATES,
}
AVERAGE = "average"
Z_SWITCH = 2.0  # standard errors by which a challenger must win before it replaces the average
# Warm starts that pay (measured at 1M labels): every EM refit with gold from its own no-gold fit;
# from a sample's fit, not DS (full confusion matrices from a sample take more iterations than from
# the majority vote) nor EBCC, whose criterion (largest change of any posterior) then takes far longer.
WARM = frozenset({"ds", "one-coin-ds", "glad", "mace"})
WARM_FROM_SAMPLE = WARM - {"ds"}
SAMPLE = 100_000  # labels the held-out-label test starts from; it grows fourfold while its verdict is unclear


class Auto(Aggregator):
    """A principled default: model averaging, checked against majority vote on held-out labels and against gold.

    1. Default. The task posteriors of the candidate generative models are averaged with equal weights
       (uniform model averaging: no truth-inference method dominates across datasets, Zheng et al.,
       *Truth Inference in Crowdsourcing: Is the Problem Solved?*, VLDB 2017). The candidates
       (``DEFAULT_CANDIDATES``) are one per family of worker model: full confusion matrices (DS), skill
       times task difficulty (GLAD), a spammer mixture (MACE). One-coin DS is GLAD with equal task
       difficulties, and its class prior collapses onto the majority class when workers err by class
       (0.97 against 0.56 in the gold of the shared bluebirds set), so it would only drag the mean there;
       EBCC is a Bayesian DS, a second vote for one family. Both stay available through ``candidates``.
       (Checked leave-one-dataset-out: on every eight of the nine shared sets, this subset was the best.)
       The average is kept unless the model behind majority vote (one accuracy shared by every
       worker) predicts held-out labels better by ``Z_SWITCH`` standard errors: ``n_folds``-fold
       cross-validated predictive likelihood of the annotations (``predictive.py``), a paired z test
       over held-out labels, stopping after one fold when the verdict is beyond ``Z_EARLY``. That is
       the case when workers have too few labels for their individual reliabilities to be learned.
    2. Gold. With at least ``n_folds`` gold tasks, every option (majority vote, Wawa, each candidate,
       their average) is fitted once *without* gold and scored on all gold tasks, which are therefore
       out of sample; the best replaces the default only when a paired sign test on the gold tasks
       says it is better by two standard errors (a few honeypots are too noisy to overrule it).
    3. The chosen option is refitted with all the gold, if any, as anchors.

    Memory. A candidate whose arrays would exceed ``MAX_DENSE_CELLS`` (``Aggregator.dense_cells``: per-worker
    confusion matrices with many classes and workers) is left out, and the criterion names it.

    Single-label workers. A worker-specific reliability is not identifiable from one label: a held-out
    label whose worker gave no other is predicted from the crowd's average by every worker-specific
    model, so step 1 cannot favour them. When fewer than ``MIN_REPEAT_SHARE`` (5%) of the labels come
    from workers who labelled two or more tasks (``repeat_share``), the candidates are not fitted at all: the
    default is majority vote (``label_test_z_`` is NaN), step 2 chooses between majority vote and Wawa
    only, and the criterion says why. Fitting them would cost minutes at a million such workers.

    Large deliveries (more than ``SAMPLE`` labels). Step 1 first runs on the labels of a seeded random
    set of whole tasks, about ``SAMPLE`` labels: a sample keeps each task's redundancy but gives every
    worker fewer labels, which can only favour the shared-accuracy model, so a sample's verdict for
    the worker-specific models (z below ``-Z_SWITCH``) holds for the whole delivery; any other verdict
    is retried on a sample four times larger, up to all the labels. The full fits then warm-start
    from the sample's fits (EM from a good start converges in a few iterations; MACE refines its best
    restart instead of restarting; DS and EBCC start cold, see ``WARM_FROM_SAMPLE``), and step 3
    warm-starts from the no-gold fits of step 2. Smaller deliveries are fitted cold, as above.

    4. Calibration (``core.calibration``): ``calibrated_probas_`` (n_tasks, K) are the chosen models'
       posteriors tempered by the design effect ``1 + rho (n_t - 1)``, ``rho`` chosen on the held-out
       labels of step 1 (no extra fit), then deflated towards the task's vote share (the crowd-share
       weight learned across public datasets, ``calibration.CROWD_WEIGHT``); with gold, candidate maps
       are blended by cross-validated log loss on posteriors of the gold tasks from fits that never
       saw their gold label (``calibration.fit_on_gold``). ``probas_`` stay raw.

    Cost: the candidates' fits plus one to ``n_folds`` refits of them on four fifths of the labels
    (of the sample), plus, when gold is given, one no-gold fit of each option and, up to
    ``CROSS_FIT_LABELS`` labels, one gold-anchored refit of each chosen model per gold fold.
    ``default_``, ``label_test_z_``, ``label_test_size_`` (labels the verdict rests on), ``chosen_``,
    ``criterion_``, ``scores_`` (no-gold accuracy on the gold per option) and ``calibration_`` say what
    was used. ``held_out_accuracy_`` is the accuracy on gold that did not inform the labels scored, and
    ``held_out_procedure_`` says how: up to ``CROSS_FIT_LABELS`` labels the chosen option cross-fitted
    over the gold folds (each fold scored by fits anchored by the other folds' gold: as strong as the
    delivered fit, so not biased low; the choice itself saw all the gold); above, the selection of step
    2 replayed fold by fold and scored with the no-gold fits (conservative). None when neither ran.
    """

    chosen_: str
    criterion_: str
    scores_: dict[str, float]
    models_: dict[str, Aggregator]
    held_out_accuracy_: float | None
    held_out_procedure_: str | None
    calibration_: Calibration
    calibrated_probas_: FloatArray
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
        base.check_seed("random_state", self.random_state)
        if self.n_folds < 2:
            raise InvalidInputError("n_folds of at least 2", got=repr(self.n_folds))
        names = None if self.candidates is None else base.check_sequence("candidates", self.candidates)
        if names is not None and any(not isinstance(c, str) or c not in CANDIDATES for c in names):
            raise InvalidInputError(f"candidates among {sorted(CANDIDATES)}", got=repr(self.candidates))

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        with shared_counts():  # every option's fits on ``a`` share one count matrix
            return self._fit_options(a, gold)

    def _fit_options(self, a: Annotations, gold: Gold | None) -> FloatArray:
        names = list(self.candidates or DEFAULT_CANDIDATES)
        too_big = [name for name in names if CANDIDATES[name](None).dense_cells(a) > MAX_DENSE_CELLS]
        names = [name for name in names if name not in too_big]
        draw = functools.partial(_task_sample, a, seed=self.random_state)
        names, starts, calibration = self.choose_default(
            names, too_big, repeat_share(a), draw, a.n_annotations
        )
        blind: dict[str, Aggregator] = {}
        if gold is not None and len(gold) >= self.n_folds:
            blind = {
                name: refit(starts.get(name), ALL[name](self.random_state), a, None)
                for name in ["mv", "wawa", *names]
            }
            self.choose_on_gold(blind, gold, names)
            if starts:  # large delivery: the gold-anchored refits start from copies of the no-gold fits,
                # which stay as they are: calibration scores the gold tasks with them
                starts = {name: copy.deepcopy(model) for name, model in blind.items() if name in WARM}
        chosen = names if self.chosen_ == AVERAGE else [self.chosen_]
        self.models_ = {
            name: refit(starts.get(name), ALL[name](self.random_state), a, gold, quiet=False)
            for name in chosen
        }
        probas: FloatArray = np.mean([m.probas_ for m in self.models_.values()], axis=0)
        self.n_iter_ = max(model.n_iter_ for model in self.models_.values())
        n_labels, shares = a.labels_per_task(), vote_shares(a)
        if gold is not None and len(gold):
            calibration = self.gold_calibration(a, gold, chosen, blind, calibration, (n_labels, shares))
        self.calibration_ = calibration
        members = [self._posteriors(name, model, a) for name, model in self.models_.items()]
        calibrated = calibration.apply(members, n_labels, shares)
        if gold is not None and len(gold):
            calibrated[gold.task] = 0.0
            calibrated[gold.task, gold.label] = 1.0
        self.calibrated_probas_ = calibrated
        return probas

    def choose_default(
        self, names: list[str], too_big: list[str], share: float, draw: Sampler, n_annotations: int
    ) -> tuple[list[str], dict[str, Aggregator], Calibration]:
        """Step 1 (sets ``default_``, ``label_test_*``, ``criterion_``): the candidates to fit, the sample's fits
        to warm-start from, and the no-gold calibration. ``draw(size)``: the labels of the seeded sample of
        whole tasks of at most ``size`` labels (``task_sample``; the Dask engine draws it from its blocks)."""
        self.held_out_accuracy_ = None
        self.held_out_procedure_ = None
        if not names:
            check = shared_check(draw(SAMPLE), self.n_folds, self.random_state)
            z, size = float("nan"), n_annotations
            starts: dict[str, Aggregator] = {}
            self.default_ = "mv"
            why = f"every worker-specific model needs more than MAX_DENSE_CELLS = {MAX_DENSE_CELLS:,} cells"
        elif share < MIN_REPEAT_SHARE:
            names = []  # worker-specific candidates are not identifiable: not fitted
            check = shared_check(draw(SAMPLE), self.n_folds, self.random_state)
            z, size, starts = float("nan"), n_annotations, {}
            self.default_ = "mv"
            why = (
                f"only {share:.1%} of labels come from workers who labelled two or more tasks (under "
                f"{MIN_REPEAT_SHARE:.0%}): worker-specific models are not identifiable, not fitted"
            )
        else:
            z, size, starts, check = _label_test(draw, n_annotations, names, self.n_folds, self.random_state)
            self.default_ = "mv" if z > Z_SWITCH else AVERAGE
            sample = f" on a sample of {size} of the {n_annotations} labels" if size < n_annotations else ""
            if self.default_ == "mv":
                why = f"held-out labels: one accuracy shared by all workers predicts them best, z = {z:.1f}"
            else:
                why = f"held-out labels favour worker-specific models, z = {z:.1f}{sample}"
        self.label_test_z_, self.label_test_size_ = z, size
        if too_big:
            why += f"; left out for needing over {MAX_DENSE_CELLS:,} cells: {', '.join(too_big)}"
        self.scores_ = {}
        self.chosen_ = self.default_
        self.criterion_ = why
        return names, starts, no_gold_calibration(fit_rho_on_labels(*check.of(self.default_)))

    def choose_on_gold(self, blind: dict[str, Aggregator], gold: Gold, names: list[str]) -> None:
        """Step 2 (sets ``chosen_``, ``scores_``, ``held_out_*``, ``criterion_``) from ``blind``, the votes' and
        the candidates' fits without gold (their ``probas_`` (n_tasks, K) are read at the gold tasks)."""
        why = self.criterion_
        options = ["mv", "wawa", *names, AVERAGE] if names else ["mv", "wawa"]
        right = _gold_hits(blind, gold, names)
        self.scores_ = {name: float(r.mean()) for name, r in right.items()}
        self.chosen_ = _select(right, options, self.default_)
        fold = np.random.default_rng(self.random_state).permutation(len(gold)) % self.n_folds
        self.held_out_accuracy_ = _replayed_accuracy(right, options, self.default_, fold)
        self.held_out_procedure_ = (
            f"{self.n_folds}-fold cross-validation of auto's choice over {len(gold)} gold tasks, "
            "each option fitted without gold"
        )
        verdict = "kept" if self.chosen_ == self.default_ else f"overruled by {self.chosen_}"
        self.criterion_ = f"{why}; {verdict} on {len(gold)} gold tasks, scored with fits without them"

    def gold_calibration(
        self,
        a: Annotations,
        gold: Gold,
        chosen: list[str],
        blind: dict[str, Aggregator],
        prior: Calibration,
        per_task: tuple[IntArray, FloatArray],
    ) -> Calibration:
        """The calibration map chosen on the gold, from posteriors of the gold tasks that never saw their label.

        Up to ``CROSS_FIT_LABELS`` labels (or when no no-gold fits exist) the chosen option is cross-fitted
        over the gold (``crossfit.cross_fit``), and its accuracy there becomes ``held_out_accuracy_``;
        above, the no-gold fits of the selection step stand in (gold is then anchors on a large delivery).
        ``per_task``: labels per task (n_tasks,) and vote shares (n_tasks, K).
        """
        factories = {name: _factory(name, self.random_state) for name in chosen}
        if a.n_annotations <= CROSS_FIT_LABELS or not blind:
            warm = {name: model for name, model in blind.items() if name in WARM}
            at_gold = cross_fit(
                a, gold, factories, starts=warm, n_folds=self.n_folds, random_state=self.random_state
            )
            hits = np.mean(at_gold, axis=0).argmax(axis=1) == gold.label
            self.held_out_accuracy_ = float(hits.mean())
            self.held_out_procedure_ = cross_fit_procedure(
                f"auto's choice ({self.chosen_})", len(gold), self.n_folds
            )
        else:
            at_gold = [blind[name].probas_[gold.task] for name in chosen]
        if chosen == ["mv"]:
            at_gold = [shared_accuracy_posterior(a)[0][gold.task]]
        return self.map_on_gold(at_gold, gold, prior, per_task)

    def map_on_gold(
        self, at_gold: list[FloatArray], gold: Gold, prior: Calibration, per_task: tuple[IntArray, FloatArray]
    ) -> Calibration:
        """``calibration.fit_on_gold`` on the chosen members' posteriors of the gold tasks ``at_gold``
        (each (n_gold, K)), with this model's folds and seed; ``per_task`` as in ``gold_calibration``."""
        n_labels, shares = per_task
        return fit_on_gold(
            at_gold,
            n_labels[gold.task],
            gold.label,
            prior,
            shares=shares[gold.task],
            n_folds=self.n_folds,
            random_state=self.random_state,
        )

    @staticmethod
    def _posteriors(name: str, model: Aggregator, a: Annotations) -> FloatArray:
        """The posteriors a member contributes to calibration: majority vote's are the shared-accuracy model's."""
        if name == "mv":
            return shared_accuracy_posterior(a)[0]
        return model.probas_

    @property
    def description_(self) -> str:
        """One line: which method produced the labels, and how it was chosen."""
        used = ", ".join(self.models_)
        if self.chosen_ == AVERAGE:
            how = "mean posterior of " + used
        else:
            how = self.chosen_
        return f"auto: {how} ({self.criterion_})"


_refit = refit  # the name earlier code and tests use


def _factory(name: str, seed: int | None) -> Callable[[], Aggregator]:
    return lambda: ALL[name](seed)


def _gold_hits(blind: dict[str, Aggregator], gold: Gold, names: list[str]) -> dict[str, BoolArray]:
    """Per option (votes, candidates, their average): which gold tasks its no-gold fit gets right, in gold order."""
    fitted = {name: model.probas_[gold.task] for name, model in blind.items()}
    if names:
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
    draw: Sampler, n_annotations: int, names: list[str], n_folds: int, seed: int | None
) -> tuple[float, int, dict[str, Aggregator], LabelCheck]:
    """The held-out-label z (``shared_accuracy_test.shared_accuracy_z``), the labels it used, the candidates' fits to warm-start
    from, and what the deciding test saw (for calibration).

    Runs on growing samples of whole tasks (``_task_sample``: ``SAMPLE`` labels, then four times as
    many) until the verdict favours the worker-specific models beyond ``Z_SWITCH`` or the sample is
    every label. The fits are returned only when a sample decided (empty dict otherwise).
    """
    size = SAMPLE
    while True:
        sample = draw(size)
        factories = {name: _factory(name, seed) for name in names}
        z, fits, check = shared_accuracy_z(sample, factories, n_folds, seed)
        if sample.n_annotations == n_annotations:
            return z, n_annotations, {}, check
        if z < -Z_SWITCH:
            return z, sample.n_annotations, {n: m for n, m in fits.items() if n in WARM_FROM_SAMPLE}, check
        size *= 4


_task_sample = task_sample  # the name earlier tests use
