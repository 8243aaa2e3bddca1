"""Worker scorecards on a Dask cluster, equal to ``core.workers.score_workers`` on the same rows.

Every scorecard column is a per-worker sum (labels, gold and consensus matches, confusion counts), so each
block returns its workers' rows and the tree reduction adds them. The reference refined by a few
Dawid-Skene steps keeps its posteriors in the blocks: per step the blocks send (worker, K, K) counts and
receive the shrunk log confusions. The copy tests (``core.copying``) run the same way over worker pairs:
pair counts, leave-the-pair-out confusion shifts and the expected agreement per pair are sums over the
pairs' shared tasks, each of which lies in one block. The median duration per worker needs all of a
worker's durations in one place: the blocks' timed labels are shuffled by worker (``worker_medians``), a
few bytes per label once, and the speed z and ``too_fast`` are computed here from the medians.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import ndtr
from scipy.stats import binom

from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.consensus import consensus_codes
from labelpact.core.copying import (
    LOG_FLOOR,
    CopyTests,
    confusion_counts,
    empirical_null,
    label_matrix,
    normalised_rows,
    shrunk_confusions,
    task_log_likelihood,
)
from labelpact.core.intervals import benjamini_hochberg
from labelpact.core.worker_pairs import co_labels
from labelpact.core.worker_speed import speed_scores
from labelpact.core.workers import (
    REFERENCE_EM_STEPS,
    WorkerReport,
    WorkerThresholds,
    label_matches,
    spammer_of,
    task_wilson,
    worker_reference,
)
from labelpact.scale.blocks import Block, SparseRows, add_tables
from labelpact.scale.cluster import BlockSet, tree_reduce
from labelpact.scale.durations import worker_medians

__all__ = ["WorkerBlock", "score_workers_distributed"]


@dataclass(frozen=True, slots=True)
class WorkerBlock:
    """A block's one-label-per-(task, worker) annotations, its label matrix, the reference (n_local_tasks, K),
    its gold per task (-1 none), the current refined posterior, and what the step that made it returns."""

    block: Block
    first: Annotations
    matrix: sparse.csr_matrix
    reference: FloatArray
    gold: IntArray
    posterior: FloatArray
    out: tuple[Any, ...]


def worker_start(block: Block, probas: FloatArray, use_gold: bool) -> WorkerBlock:
    """Per-worker sums against gold and the consensus, the confusion counts against the reference, and the
    refinement's first counts; ``probas`` (n_local_tasks, K) are the consensus posteriors of the block."""
    a = block.annotations
    gold = block.gold.as_dense(a.n_tasks) if use_gold and block.gold is not None else np.full(a.n_tasks, -1)
    codes = consensus_codes(a, probas)
    n_gold, correct = label_matches(a, gold)
    n_cons, agree = label_matches(a, codes)
    reference = worker_reference(a, codes, probas, gold)
    first = a.one_per_pair()
    matrix = label_matrix(first)
    index = block.worker_index
    gold_tasks, cons_tasks = label_matches(first, gold)[0], label_matches(first, codes)[0]
    sums = np.column_stack(
        [a.labels_per_worker(), n_gold, correct, n_cons, agree, gold_tasks, cons_tasks]
    ).astype(np.float64)
    out = (
        SparseRows(index, sums),
        SparseRows(index, confusion_counts(a, reference)),
        SparseRows(index, confusion_counts(first, reference, matrix=matrix)),
        reference.sum(0),
        SparseRows(index, confusion_counts(first, worker_reference(a, codes, None, gold), matrix=matrix)),
    )
    return WorkerBlock(block, first, matrix, reference, gold, reference, out)


def worker_refine(state: WorkerBlock, params: tuple[FloatArray, FloatArray]) -> WorkerBlock:
    """One Dawid-Skene step of ``core.workers._refined_posterior`` under global (log confusions, priors)."""
    log_conf, priors = params
    first = state.first
    log_post = np.log(priors / priors.sum()) + task_log_likelihood(
        first, log_conf[state.block.worker_index], matrix=state.matrix
    )
    posterior = np.exp(log_post - log_post.max(1, keepdims=True))
    posterior /= posterior.sum(1, keepdims=True)
    has_gold = state.gold >= 0
    posterior[has_gold] = state.reference[has_gold]
    posterior[first.labels_per_task() == 0] = 0.0
    counts = confusion_counts(first, posterior, matrix=state.matrix)
    out = (SparseRows(state.block.worker_index, counts), posterior.sum(0))
    return replace(state, posterior=posterior, out=out)


def state_out(state: Any) -> tuple[Any, ...]:
    return tuple(state.out)


class _Rounds:
    """Block states (futures) and one round: a step on each, its ``out`` summed on the cluster."""

    def __init__(self, blocks: BlockSet) -> None:
        self.blocks = blocks
        self.states: list[Any] = []

    def run(self, fn: Any, *args: Any, items: list[Any] | None = None) -> tuple[Any, ...]:
        client = self.blocks.client
        sources = items if items is not None else [(s,) for s in self.states]
        self.states = [client.submit(fn, *source, *args, pure=False) for source in sources]
        # each state's small table first: states stay where they are, only tables travel to be summed
        outs = [client.submit(state_out, s, pure=False) for s in self.states]
        return tuple(tree_reduce(client, outs, add_tables))


def _dense(rows: SparseRows, size: int, shape: tuple[int, ...]) -> FloatArray:
    return rows.dense(size) if len(rows.index) else np.zeros((size, *shape))


def score_workers_distributed(
    blocks: BlockSet, probas: FloatArray, *, thresholds: WorkerThresholds | None = None
) -> WorkerReport:
    """``score_workers`` of the blocks' annotations against the consensus posteriors ``probas`` (n_tasks, K)
    in the global task order of the last ``gather_tasks`` (a fit's), and the blocks' gold."""
    limits = thresholds or WorkerThresholds()
    w, k = blocks.n_workers, blocks.n_classes
    rounds = _Rounds(blocks)
    pieces = blocks.scatter_rows(probas)
    sums, confusion, counts, posterior_sum, shown = rounds.run(
        worker_start, blocks.use_gold, items=[(b, p) for b, p in zip(blocks.blocks, pieces, strict=True)]
    )
    table = _dense(sums, w, (7,))
    n_labels, n_gold, correct, n_cons, agree, gold_tasks, cons_tasks = table.T
    confusion = _dense(confusion, w, (k, k))
    for step in range(1, REFERENCE_EM_STEPS + 1):
        blocks.report("refining the reference of worker scores", step, REFERENCE_EM_STEPS)
        log_conf = np.log(shrunk_confusions(_dense(counts, w, (k, k))))
        counts, posterior_sum = rounds.run(worker_refine, blocks.params((log_conf, posterior_sum + 1.0)))
    counts = _dense(counts, w, (k, k))
    spammer, looks_spammer = spammer_of(_dense(shown, w, (k, k)), limits)
    copying = _copy_tests(rounds, counts, posterior_sum, limits)
    median_duration, n_timed = worker_medians(blocks)
    speed_z, too_fast = speed_scores(median_duration, n_timed, limits)
    with np.errstate(divide="ignore", invalid="ignore"):
        gold_accuracy = np.where(n_gold > 0, correct / n_gold, np.nan)
        consensus_agreement = np.where(n_cons > 0, agree / n_cons, np.nan)
    gold_ci = task_wilson(correct, n_gold, gold_tasks)
    cons_ci = task_wilson(agree, n_cons, cons_tasks)
    enough = n_labels >= limits.min_labels
    crowd = consensus_agreement[enough & (n_cons > 0)]
    crowd_median = float(np.median(crowd)) if len(crowd) else np.nan
    rules = {
        "spammer": enough & looks_spammer,
        "low_gold_accuracy": (n_gold >= limits.min_gold) & (gold_ci[:, 1] < limits.min_gold_accuracy),
        "too_fast": too_fast,
        "low_agreement": (n_cons >= limits.min_labels)
        & (cons_ci[:, 1] < crowd_median - limits.agreement_margin),
    }
    return WorkerReport(
        workers=blocks.vocabulary.workers,
        classes=blocks.vocabulary.classes,
        n_labels=n_labels.astype(np.intp),
        n_gold=n_gold.astype(np.intp),
        gold_accuracy=gold_accuracy,
        gold_accuracy_ci=gold_ci,
        consensus_agreement=consensus_agreement,
        consensus_agreement_ci=cons_ci,
        confusion=confusion,
        spammer_score=spammer,
        median_duration_s=median_duration,
        speed_z=speed_z,
        flags=_flags(blocks.vocabulary.workers, rules, copying),
        copying=copying,
        thresholds=limits,
    )


def _flags(
    workers: tuple[str, ...], rules: dict[str, Any], copying: CopyTests
) -> tuple[tuple[str, ...], ...]:
    """Each worker's flags, as ``core.workers._flags``: the rules it breaks, then ``copying:<other>``."""
    flags: list[list[str]] = [[] for _ in workers]
    for name, mask in rules.items():
        for i in np.flatnonzero(mask):
            flags[i].append(name)
    for i in np.flatnonzero(copying.flagged):
        x, y = copying.worker_a[i], copying.worker_b[i]
        flags[x].append(f"copying:{workers[y]}")
        flags[y].append(f"copying:{workers[x]}")
    return tuple(tuple(f) for f in flags)


# -- copy tests -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PairEntries:
    """A block's co-labels of the tested pairs: pair index, local task and worker codes, labels, and each
    entry's leave-the-pair-out truth ``q`` (n_entries, K)."""

    pair: IntArray
    task: IntArray
    wa: IntArray
    wb: IntArray
    la: IntArray
    lb: IntArray
    q: FloatArray
    out: tuple[Any, ...]


def pair_counts(state: WorkerBlock, n_workers: int) -> tuple[Any, ...]:
    co = co_labels(state.block.annotations)
    index, w = state.block.worker_index, max(n_workers, 1)
    keys, counts = np.unique(index[co.worker_a] * w + index[co.worker_b], return_counts=True)
    return (SparseRows(keys.astype(np.intp), counts.astype(np.float64)),)


def pair_shifts(state: WorkerBlock, n_workers: int, kept: IntArray, params: Any) -> PairEntries:
    """The co-labels of the tested pairs ``kept`` (sorted keys), their ``q``, and per pair the confusion shifts
    of both workers on their shared tasks ((n_local_pairs, 2, K, K) keyed by pair)."""
    confusions, log_conf, priors = params
    a, index, w = state.block.annotations, state.block.worker_index, max(n_workers, 1)
    k = a.n_classes
    co = co_labels(a)
    keys = index[co.worker_a] * w + index[co.worker_b]
    position = np.searchsorted(kept, keys)
    rows = position < len(kept)
    rows[rows] = kept[position[rows]] == keys[rows]
    pair, task = position[rows], co.task[rows]
    wa, wb = index[co.worker_a[rows]], index[co.worker_b[rows]]
    la, lb = co.label_a[rows], co.label_b[rows]
    log_post = np.log(priors / priors.sum()) + task_log_likelihood(
        state.first, log_conf[index], matrix=state.matrix
    )
    log_q = log_post[task] - log_conf[wa, :, la] - log_conf[wb, :, lb]
    q = np.exp(log_q - log_q.max(axis=1, keepdims=True))
    q /= q.sum(axis=1, keepdims=True)
    shift_a = state.posterior[task] - normalised_rows(q * confusions[wa, :, la])
    shift_b = state.posterior[task] - normalised_rows(q * confusions[wb, :, lb])
    used, local = np.unique(pair, return_inverse=True)
    local = local.reshape(-1)
    shared = np.zeros((len(used), 2, k, k))
    for z in range(k):  # a loop over classes, as in-process
        shared[:, 0, z, :] = np.bincount(local * k + la, shift_a[:, z], minlength=len(used) * k).reshape(
            -1, k
        )
        shared[:, 1, z, :] = np.bincount(local * k + lb, shift_b[:, z], minlength=len(used) * k).reshape(
            -1, k
        )
    return PairEntries(pair, task, wa, wb, la, lb, q, (SparseRows(used.astype(np.intp), shared),))


def pair_agreement(entries: PairEntries, same_given_truth: FloatArray) -> PairEntries:
    """Per pair: observed agreements, and the sum of p and of p (1 - p) over shared tasks ((n_local_pairs, 3))."""
    p = np.einsum("ez,ez->e", entries.q, same_given_truth[entries.pair])
    used, local = np.unique(entries.pair, return_inverse=True)
    local = local.reshape(-1)
    n = len(used)
    values = np.column_stack(
        [
            np.bincount(local, (entries.la == entries.lb).astype(np.float64), minlength=n),
            np.bincount(local, p, minlength=n),
            np.bincount(local, p * (1.0 - p), minlength=n),
        ]
    )
    return replace(entries, out=(SparseRows(used.astype(np.intp), values.reshape(n, 3).astype(np.float64)),))


def _copy_tests(
    rounds: _Rounds, counts: FloatArray, posterior_sum: FloatArray, limits: WorkerThresholds
) -> CopyTests:
    """``core.copying.copy_tests`` over the blocks, against the refined posteriors they hold."""
    blocks, client = rounds.blocks, rounds.blocks.client
    w, k = blocks.n_workers, blocks.n_classes
    workers_states = list(rounds.states)
    pair_futures = [client.submit(pair_counts, s, w, pure=False) for s in workers_states]
    (found,) = tree_reduce(client, pair_futures, add_tables)
    keep = found.values >= limits.copy_min_shared
    kept = found.index[keep]
    n_pairs, n = len(kept), found.values[keep].astype(np.intp)
    worker_a, worker_b = (kept // max(w, 1)).astype(np.intp), (kept % max(w, 1)).astype(np.intp)
    confusions = shrunk_confusions(counts)
    params = blocks.params((confusions, np.log(np.maximum(confusions, LOG_FLOOR)), posterior_sum + 1.0))
    kept_future = blocks.params(kept)
    (shifts,) = rounds.run(pair_shifts, w, kept_future, params)
    shared = _dense(shifts, n_pairs, (2, k, k))
    crowd = counts.sum(0)
    conf_a = shrunk_confusions(counts[worker_a] - shared[:, 0], crowd_counts=crowd)
    conf_b = shrunk_confusions(counts[worker_b] - shared[:, 1], crowd_counts=crowd)
    same_given_truth = np.einsum("pzl,pzl->pz", conf_a, conf_b)
    (agreement,) = rounds.run(pair_agreement, blocks.params(same_given_truth))
    observed_sum, expected, variance = _dense(agreement, n_pairs, (3,)).T
    observed = observed_sum.round().astype(np.intp)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_score = np.where(variance > 0, (observed - expected - 0.5) / np.sqrt(variance), 0.0)
        rate = np.clip(expected / n, 0.0, 1.0)
    p_value = np.where(observed >= expected + 1.0, binom.sf(observed - 1, n, rate), 1.0)
    centre, scale = empirical_null(z_score)
    p_value = np.asarray(
        np.clip(np.maximum(p_value, ndtr(-(z_score - centre) / scale)), 0.0, 1.0), dtype=float
    )
    q_value = benjamini_hochberg(p_value)
    flagged = (q_value <= limits.copy_fdr) & (
        (observed - expected) / np.maximum(n, 1) >= limits.copy_min_excess
    )
    return CopyTests(worker_a, worker_b, n, observed, expected, z_score, p_value, q_value, flagged)
