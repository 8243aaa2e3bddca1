"""``auto`` on a Dask cluster: ``core.aggregators.auto.Auto``'s own steps, with its fits on the blocks.

``Auto.choose_default`` runs here on a sample drawn from the blocks: the seeded sample of whole tasks the
in-process ``task_sample`` draws (per-task label counts in global task order give the same tasks, the
global vocabulary the same worker and class codes); only the sample's labels come to this process, and the
held-out-label test runs on them in-process. The candidates are then fitted on the blocks
(``fit_distributed``, warm-started from the sample's fits as in-process), ``Auto.choose_on_gold`` picks
with gold, and the calibration is applied to posteriors gathered in global task order. Labels equal the
in-process fit's and posteriors agree within 1e-9. What must come to this process (a sample the test
grows to, or the whole delivery for gold cross-fits) is capped at ``DRIVER_LABELS``.
"""

from __future__ import annotations

import copy
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from labelpact.core.aggregators.auto import AVERAGE, CANDIDATES, DEFAULT_CANDIDATES, WARM, Auto
from labelpact.core.aggregators.base import MAX_DENSE_CELLS, Aggregator
from labelpact.core.aggregators.crossfit import CROSS_FIT_LABELS
from labelpact.core.aggregators.shared_accuracy_test import sample_tasks
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.calibration import Calibration
from labelpact.core.calibration import vote_shares as calibration_shares
from labelpact.core.keyed import gold_in_name_order, name_keys
from labelpact.errors import InvalidInputError, quiet_convergence
from labelpact.scale.blocks import Block, SparseRows
from labelpact.scale.cluster import BlockSet
from labelpact.scale.inference import Fit, fit_distributed, frequencies_of

__all__ = [
    "DRIVER_LABELS",
    "TaskSampler",
    "delivery_on_driver",
    "fit_auto",
    "repeat_share_of",
    "shared_posterior_of",
]

# labels auto may bring to this process: the held-out-label test's samples (SAMPLE, growing fourfold while
# its verdict is unclear) and, with 1 to n_folds - 1 gold tasks or up to CROSS_FIT_LABELS labels, the delivery
DRIVER_LABELS = 10_000_000


@dataclass(frozen=True, slots=True)
class _Sizes:
    """What ``Aggregator.dense_cells`` reads of the annotations."""

    n_tasks: int
    n_workers: int
    n_classes: int
    n_annotations: int


def block_task_table(block: Block, use_gold: bool) -> FloatArray:
    """Per local task (n_local_tasks, 2 + K): its labels, its gold class (-1: none), its vote shares (zeros
    where nobody labelled it, ``calibration.vote_shares``)."""
    a = block.annotations
    gold = np.full(a.n_tasks, -1.0)
    if use_gold and block.gold is not None and len(block.gold):
        gold[block.gold.task] = block.gold.label
    return np.column_stack([a.labels_per_task(), gold, calibration_shares(a)])


def block_task_rows(block: Block, code: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The labels of a block's tasks with a sample code (``code`` (n_local_tasks,), -1: not drawn): sample task
    codes, global workers and classes, in the block's row order."""
    a = block.annotations
    rows = code[a.task] >= 0
    return code[a.task[rows]], block.worker_index[a.worker[rows]], a.label[rows]


def block_distinct_tasks(block: Block) -> tuple[Any, ...]:
    """Per global worker: how many distinct tasks of this block it labelled (tasks are whole in a block)."""
    a = block.annotations
    pairs = np.unique(a.task.astype(np.int64) * max(a.n_workers, 1) + a.worker)
    worker = (pairs % max(a.n_workers, 1)).astype(np.intp)
    return (SparseRows(block.worker_index, np.bincount(worker, minlength=a.n_workers).astype(np.float64)),)


def repeat_share_of(blocks: BlockSet) -> float:
    """``shared_accuracy_test.repeat_share`` of the blocks: the share of labels from workers who labelled two
    or more distinct tasks (distinct tasks per worker summed over blocks)."""
    if not blocks.n_annotations:
        return 1.0
    (rows,) = blocks.map_reduce(block_distinct_tasks)
    tasks_per_worker = rows.dense(blocks.n_workers)
    labels_per_worker = blocks.given.sum(axis=1)
    return float(labels_per_worker[tasks_per_worker >= 2].sum() / blocks.n_annotations)


def block_majority_hits(block: Block) -> tuple[Any, ...]:
    """Labels equal to their task's majority vote (ties: the first class), for the shared accuracy."""
    a = block.annotations
    majority = calibration_shares(a).argmax(axis=1)
    return (float(np.sum(a.label == majority[a.task])),)


def block_shared_posterior(block: Block, log_prior: FloatArray, c: float) -> FloatArray:
    """``predictive.shared_accuracy_posterior``'s task posteriors (n_local_tasks, K) under global prior and c."""
    from labelpact.core.kernels import vote_counts

    log_post = log_prior[None, :] + c * vote_counts(block.annotations)
    log_post -= log_post.max(axis=1, keepdims=True)
    q: FloatArray = np.exp(log_post)
    q /= q.sum(axis=1, keepdims=True)
    return q


def shared_posterior_of(blocks: BlockSet) -> FloatArray:
    """``predictive.shared_accuracy_posterior`` of the blocks' annotations (n_tasks, K), in global task order:
    one shared accuracy (a reduction) and the per-task posteriors (gathered)."""
    k = blocks.n_classes
    if blocks.n_annotations and k > 1:
        (hits,) = blocks.map_reduce(block_majority_hits)
        s = float(np.clip(hits / blocks.n_annotations, 1.0 / k + 1e-6, 1.0 - 1e-6))
        c = float(np.log(s * (k - 1) / (1.0 - s)))
    else:
        c = 0.0
    log_prior = np.log(np.maximum(frequencies_of(blocks), 1e-300))
    return blocks.gather_tasks(block_shared_posterior, log_prior, c)[1]


class TaskSampler:
    """``Auto``'s ``draw(size)`` on the blocks: the labels of ``task_sample``'s tasks, brought to this process.

    ``per_task`` (n_tasks,) counts each task's labels in global task order (``tasks``). Rows come task by
    task (each task's in delivery order); the fits and the label test do not depend on the order of tasks.
    """

    def __init__(
        self, blocks: BlockSet, tasks: tuple[str, ...], per_task: IntArray, seed: int | None
    ) -> None:
        self.blocks, self.tasks, self.per_task, self.seed = blocks, tasks, per_task, seed

    def __call__(self, size: int) -> Annotations:
        blocks = self.blocks
        everything = blocks.n_annotations <= size
        keep = (
            np.arange(blocks.n_tasks)
            if everything
            else sample_tasks(self.per_task, size, name_keys(self.tasks, self.seed))
        )
        n_labels = int(self.per_task[keep].sum())
        if n_labels > DRIVER_LABELS:
            raise InvalidInputError(
                f"at most DRIVER_LABELS = {DRIVER_LABELS:,} labels for auto to bring to one process on the dask "
                "engine (its held-out-label test grows its sample while the verdict is unclear; with 1 to "
                "n_folds - 1 gold tasks it cross-fits in one process): the named methods run at any size",
                column="method",
                got=f"{n_labels:,} labels",
            )
        code = np.full(blocks.n_tasks, -1, dtype=np.intp)
        code[keep] = np.arange(len(keep))
        blocks.gather_tasks(_no_rows)  # the global task order, for ``scatter_rows``
        pieces = blocks.scatter_rows(code)
        client = blocks.client
        parts = client.gather(
            [
                client.submit(block_task_rows, b, p, pure=False)
                for b, p in zip(blocks.blocks, pieces, strict=True)
            ]
        )
        task = np.concatenate([p[0] for p in parts])
        order = np.argsort(task, kind="stable")
        return Annotations(
            task=task[order],
            worker=np.concatenate([p[1] for p in parts])[order],
            label=np.concatenate([p[2] for p in parts])[order],
            tasks=tuple(self.tasks[i] for i in keep),
            workers=blocks.vocabulary.workers,
            classes=blocks.vocabulary.classes,
        )


def _no_rows(block: Block) -> FloatArray:
    return np.zeros((block.annotations.n_tasks, 0))


def fit_option(
    blocks: BlockSet, name: str, seed: int | None, start: Any, *, gold: bool, quiet: bool = True
) -> Any:
    """``crossfit.refit`` on the blocks: option ``name`` fitted warm from ``start`` when it can, with or without
    the gold; the fitted model (``probas_`` in global task order). A trial fit (``quiet``) does not warn."""
    with quiet_convergence() if quiet else nullcontext():
        fit = fit_distributed(blocks, name, random_state=seed, use_gold=gold, start=start)
    return fit.model


def _task_facts(blocks: BlockSet) -> tuple[tuple[str, ...], IntArray, Gold | None, FloatArray]:
    """Gathered in global task order: the task names, each task's label count, the blocks' gold in name order
    (as ``Aggregator.fit`` orders it in-process; None without any) and each task's vote shares."""
    tasks, table = blocks.gather_tasks(block_task_table, blocks.use_gold)
    gold_code = table[:, 1].astype(np.intp)
    gold = (
        Gold(task=np.flatnonzero(gold_code >= 0), label=gold_code[gold_code >= 0])
        if blocks.use_gold
        else None
    )
    gold = gold_in_name_order(gold if gold is not None and len(gold) else None, tasks)
    return tasks, table[:, 0].astype(np.intp), gold, np.ascontiguousarray(table[:, 2:])


def delivery_on_driver(blocks: BlockSet, seed: int | None) -> tuple[Annotations, Gold | None]:
    """Every label of the blocks brought to this process, with their gold: for the steps the local engine runs
    on small deliveries. Capped at ``DRIVER_LABELS``."""
    tasks, per_task, gold, _ = _task_facts(blocks)
    return TaskSampler(blocks, tasks, per_task, seed)(blocks.n_annotations), gold


def fit_auto(blocks: BlockSet, auto: Auto) -> Fit:
    """``auto`` fitted on the blocks as ``Auto.fit`` fits it in one process (the blocks' gold, when they have
    it, as gold); sets its fitted attributes and returns the fit (posteriors (n_tasks, K) in global order)."""
    auto._validate_params()
    seed = auto.random_state
    tasks, per_task, gold, shares = _task_facts(blocks)
    sizes = cast(
        Annotations, _Sizes(blocks.n_tasks, blocks.n_workers, blocks.n_classes, blocks.n_annotations)
    )
    names = list(auto.candidates or DEFAULT_CANDIDATES)
    too_big = [name for name in names if CANDIDATES[name](None).dense_cells(sizes) > MAX_DENSE_CELLS]
    names = [name for name in names if name not in too_big]
    draw = TaskSampler(blocks, tasks, per_task, seed)
    blocks.report("auto: held-out-label test on a sample", 1, None)
    names, starts, calibration = auto.choose_default(
        names, too_big, repeat_share_of(blocks), draw, blocks.n_annotations
    )
    blind: dict[str, Aggregator] = {}
    if gold is not None and len(gold) >= auto.n_folds:
        blind = {
            name: fit_option(blocks, name, seed, starts.get(name), gold=False)
            for name in ["mv", "wawa", *names]
        }
        auto.choose_on_gold(blind, gold, names)
        if starts:  # as in-process: the gold-anchored fits start from copies of the no-gold fits
            starts = {name: copy.deepcopy(model) for name, model in blind.items() if name in WARM}
    chosen = names if auto.chosen_ == AVERAGE else [auto.chosen_]
    auto.models_ = {
        name: fit_option(blocks, name, seed, starts.get(name), gold=True, quiet=False) for name in chosen
    }
    probas: FloatArray = np.mean([m.probas_ for m in auto.models_.values()], axis=0)
    auto.n_iter_ = max(model.n_iter_ for model in auto.models_.values())
    shared = shared_posterior_of(blocks) if "mv" in chosen else None
    if gold is not None:
        per = (per_task, shares)
        calibration = _gold_calibration(auto, gold, chosen, blind, calibration, per, draw, shared)
    auto.calibration_ = calibration
    members = [shared if name == "mv" else model.probas_ for name, model in auto.models_.items()]
    calibrated = calibration.apply(cast(list[FloatArray], members), per_task, shares)
    if gold is not None:
        for array in (probas, calibrated):
            array[gold.task] = 0.0
            array[gold.task, gold.label] = 1.0
    auto.calibrated_probas_ = calibrated
    auto.probas_, auto.classes_ = probas, blocks.vocabulary.classes
    auto.labels_ = np.asarray(auto.classes_, dtype=np.str_)[probas.argmax(axis=1)]
    return Fit(tasks, probas, auto.n_iter_, auto)


def _gold_calibration(
    auto: Auto,
    gold: Gold,
    chosen: list[str],
    blind: dict[str, Aggregator],
    prior: Calibration,
    per_task: tuple[IntArray, FloatArray],
    draw: TaskSampler,
    shared: FloatArray | None,
) -> Calibration:
    """``Auto.gold_calibration`` of the blocks: in-process on the delivery brought here when it cross-fits (up to
    ``CROSS_FIT_LABELS`` labels, or without no-gold fits); above, from the no-gold fits' posteriors."""
    if draw.blocks.n_annotations <= CROSS_FIT_LABELS or not blind:
        a = draw(draw.blocks.n_annotations)
        return auto.gold_calibration(a, gold, chosen, blind, prior, per_task)
    at_gold = [blind[name].probas_[gold.task] for name in chosen]
    if chosen == ["mv"] and shared is not None:
        at_gold = [shared[gold.task]]
    return auto.map_on_gold(at_gold, gold, prior, per_task)
