"""EBCC on a Dask cluster: ``core.aggregators.ebcc``'s mean-field loop with the per-task half in the blocks.

Li, Rubinstein & Cohn, ICML 2019. Each block keeps its tasks' joint posterior over (class, subtype) in an
``EbccBlock`` (a new one per step); per iteration it returns the joint's column sums, the class posteriors'
sums and the expected counts of its used (worker, observed class) pairs, keyed by the global pair: the
Dirichlet parameters (eta, nu, mu) are those sums plus the priors, formed here. The convergence criterion,
the largest change of any posterior, comes back as a ``Largest``.

The start is the one thing that does not split by block: in-process, Dirichlet subtype shares are drawn
for every task from one random stream in task order (gamma variates by rejection, so no block can skip to
its own tasks). This process draws them, (n_tasks, K, M), and sends each block its rows: an (n_tasks, K * M)
array once per fit, the size of the joint posterior itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

from labelpact.core.aggregators.base import warn_not_converged
from labelpact.core.aggregators.ebcc import EBCC, UsedPairs, subtype_shares
from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.kernels import clamp_gold, normalize_log_posteriors
from labelpact.scale.blocks import Block, SparseRows, add_tables
from labelpact.scale.cluster import BlockSet, tree_reduce
from labelpact.scale.glad import Largest
from labelpact.scale.inference import block_shares, frequencies_of

__all__ = ["EbccBlock", "fit_ebcc"]


@dataclass(frozen=True, slots=True)
class EbccBlock:
    """A block's used pairs (``by_task`` (n_local_tasks, n_local_used) CSR), their global positions, its gold
    exclusions, the joint (n_local_tasks, K * M) and class posteriors (n_local_tasks, K), and ``out``."""

    block: Block
    by_task: sp.csr_matrix
    position: IntArray
    excluded_rows: IntArray
    excluded_cols: Any
    joint: FloatArray
    posteriors: FloatArray
    out: tuple[Any, ...]


def block_used(block: Block) -> tuple[Any, ...]:
    """The global (worker * K + class) pairs the block's labels use, as a table for the reduction."""
    k = block.counts.n_classes
    used = UsedPairs(block.counts).used
    pairs = block.worker_index[used // k] * k + used % k
    return (SparseRows(pairs.astype(np.intp), np.zeros(len(pairs))),)


def _sums(state: EbccBlock, delta: float | None) -> tuple[Any, ...]:
    tables = SparseRows(state.position, np.asarray(state.by_task.T @ state.joint))
    sums = (state.joint.sum(axis=0), state.posteriors.sum(axis=0), tables)
    return sums if delta is None else (Largest(delta), *sums)


def ebcc_start(
    block: Block, shares: FloatArray, used: IntArray, frequencies: FloatArray, use_gold: bool, m: int
) -> EbccBlock:
    """The block's start, as ``EBCC._fit``'s: vote shares (gold clamped) times the drawn subtype shares."""
    a, k = block.annotations, block.counts.n_classes
    gold = block.gold if use_gold else None
    pairs = UsedPairs(block.counts)
    position = np.searchsorted(used, block.worker_index[pairs.worker] * k + pairs.label).astype(np.intp)
    excluded = np.zeros((a.n_tasks, k), dtype=bool)
    if gold is not None and len(gold):
        excluded[gold.task] = True
        excluded[gold.task, gold.label] = False
    rows = np.flatnonzero(excluded.any(axis=1))
    posteriors = clamp_gold(block_shares(block, frequencies), gold)
    joint = (shares.reshape(a.n_tasks, k, m) * posteriors[:, :, None]).reshape(a.n_tasks, k * m)
    state = EbccBlock(
        block, pairs.by_task, position, rows, np.repeat(excluded[rows], m, axis=1), joint, posteriors, ()
    )
    return replace(state, out=_sums(state, None))


def ebcc_step(state: EbccBlock, params: tuple[FloatArray, FloatArray]) -> EbccBlock:
    """One E-step under the global (log_v (n_used, K * M), prior term (K * M,)); ``out`` = (largest change of
    a posterior, and the next M-step's sums)."""
    log_v, prior = params
    scores = np.asarray(state.by_task @ log_v[state.position])
    scores += prior
    if len(state.excluded_rows):
        rows = scores[state.excluded_rows]
        rows[state.excluded_cols] = -np.inf
        scores[state.excluded_rows] = rows
    joint, _, _ = normalize_log_posteriors(scores)
    k = state.posteriors.shape[1]
    posteriors = joint.reshape(len(joint), k, -1).sum(axis=2) if len(joint) else state.posteriors
    delta = float(np.max(np.abs(state.posteriors - posteriors))) if len(joint) else 0.0
    moved = replace(state, joint=joint, posteriors=posteriors)
    return replace(moved, out=_sums(moved, delta))


def ebcc_out(state: EbccBlock) -> tuple[Any, ...]:
    return state.out


def ebcc_posteriors(state: EbccBlock) -> FloatArray:
    return state.posteriors


def _run(blocks: BlockSet, states: list[Any]) -> tuple[Any, ...]:
    client = blocks.client
    outs = [client.submit(ebcc_out, s, pure=False) for s in states]
    return tuple(tree_reduce(client, outs, add_tables))


def fit_ebcc(blocks: BlockSet, model: EBCC) -> tuple[tuple[str, ...], FloatArray]:
    """``model`` (an ``EBCC``, not warm-started) fitted on the blocks as ``EBCC._fit`` does in one process;
    sets ``eta_``, ``nu_``, ``priors_`` and ``n_iter_``. Returns task names and posteriors."""
    model._validate_params()
    client, k, m = blocks.client, blocks.n_classes, int(model.n_subtypes)
    (found,) = tree_reduce(
        client, [client.submit(block_used, b, pure=False) for b in blocks.blocks], add_tables
    )
    used: IntArray = found.index
    prior_v = np.full((k, k), float(model.b_v))
    np.fill_diagonal(prior_v, float(model.a_v))
    prior_used = np.repeat(prior_v.T[used % k], m, axis=1)
    prior_total = np.repeat(prior_v.sum(axis=1), m)
    worker = used // k
    new_worker = np.r_[True, worker[1:] != worker[:-1]] if len(used) else np.zeros(0, bool)
    starts, group = np.flatnonzero(new_worker), np.cumsum(new_worker) - 1
    # the start: subtype shares drawn here by task name, each block sent its rows
    tasks, _ = blocks.gather_tasks(_no_rows)  # the global task order, for ``scatter_rows``
    shares = subtype_shares(tasks, blocks.vocabulary.classes, m, model.random_state)
    pieces = blocks.scatter_rows(shares)
    del shares
    used_future, frequencies = blocks.params(used), frequencies_of(blocks)
    states = [
        client.submit(ebcc_start, b, p, used_future, frequencies, blocks.use_gold, m, pure=False)
        for b, p in zip(blocks.blocks, pieces, strict=True)
    ]
    joint_sum, posterior_sum, expected_rows = _run(blocks, states)
    converged = False
    for iteration in range(1, model.max_iter + 1):
        blocks.report("ebcc iterations", iteration, None)
        eta = model.a_pi / m + joint_sum.reshape(k, m)
        nu = model.alpha + posterior_sum
        expected = expected_rows.dense(len(used)) if len(used) else np.zeros((0, k * m))
        totals = prior_total + np.add.reduceat(expected, starts, axis=0) if len(expected) else expected
        mu = expected + prior_used
        log_pi = digamma(eta) - digamma(eta.sum(axis=1, keepdims=True))
        log_tau = digamma(nu) - digamma(nu.sum())
        log_v = digamma(mu) - digamma(totals)[group]
        params = blocks.params((log_v, (log_pi + log_tau[:, None]).reshape(k * m)))
        states = [client.submit(ebcc_step, s, params, pure=False) for s in states]
        delta, joint_sum, posterior_sum, expected_rows = _run(blocks, states)
        model.n_iter_ = iteration
        if not blocks.n_tasks or float(delta) <= model.tol:
            converged = True
            break
    if not converged:
        warn_not_converged("EBCC", model.max_iter)
    model.eta_, model.nu_, model.priors_ = eta, nu, nu / nu.sum()
    return blocks.gather_tasks(ebcc_posteriors, items=states)


def _no_rows(block: Block) -> FloatArray:
    return np.zeros((block.annotations.n_tasks, 0))
