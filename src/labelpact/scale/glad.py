"""GLAD on a Dask cluster: the in-process EM loop with its per-task half (betas, E-step) inside the blocks.

Whitehill et al., NIPS 2009 (``core.aggregators.glad``). Alphas (one per worker) live in this process;
each block keeps its tasks' betas and the posterior of each of its label triples in a ``GladBlock``, a new
one per step (a retried task recomputes the same, a lost one is rebuilt from the graph). The Newton
M-step alternates: per-worker score and information summed over blocks (the alpha step, here), then the
beta step, which needs only the block's tasks. One round per half step; Q, the convergence criterion,
is summed over blocks as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from labelpact.core.aggregators.base import warm_rows, warm_task_rows, warn_not_converged
from labelpact.core.aggregators.glad import (
    GLAD,
    LOG_SQRT_2PI,
    Expectations,
    log_sigmoid_of_minus,
    score_and_information,
)
from labelpact.core.annotations import FloatArray, Gold
from labelpact.core.kernels import Triples, triples
from labelpact.errors import InvalidInputError
from labelpact.scale.blocks import Block, SparseRows, add_tables
from labelpact.scale.cluster import BlockSet, tree_reduce

__all__ = ["GladBlock", "Largest", "fit_glad"]


class Largest(float):
    """A float whose sum is the larger of the two: a maximum carried by ``add_tables``' reduction."""

    __slots__ = ()

    def __add__(self, other: float) -> Largest:
        return Largest(max(float(self), float(other)))


@dataclass(frozen=True, slots=True)
class GladBlock:
    """A block's triples, its tasks' betas (n_local_tasks,), each triple's posterior at the last E-step
    (n_unique,), and what the step that made it returns (``out``: a tuple for ``add_tables``)."""

    block: Block
    t: Triples
    gold: Gold | None
    beta: FloatArray
    hit: FloatArray
    out: tuple[Any, ...]


def _alpha_tables(state: GladBlock, alpha: FloatArray, beta: FloatArray, hit: FloatArray) -> SparseRows:
    """Per global worker (n_local, 2): the score sum c (hit - s(z)) dz/dalpha and its information without the
    prior's 1, at (alpha, beta) (``glad._score_and_information`` over this block's triples)."""
    t, local = state.t, alpha[state.block.worker_index]
    easiness = np.exp(beta)[t.task]
    z = local[t.worker] * easiness
    n_local = len(state.block.worker_index)
    score, information = score_and_information(z, hit, t.count, easiness, t.worker, n_local)
    return SparseRows(state.block.worker_index, np.column_stack([score, information - 1.0]))


def _q_part(state: GladBlock, alpha: FloatArray, beta: FloatArray, hit: FloatArray) -> float:
    """This block's share of Q: its triples' terms and its betas' prior (alphas' prior is added once, here)."""
    t = state.t
    z = alpha[state.block.worker_index][t.worker] * np.exp(beta)[t.task]
    k = state.block.annotations.n_classes
    log_wrong_share = np.log(max(k - 1, 1))
    q = float(np.dot(t.count, log_sigmoid_of_minus(z) + hit * z - (1 - hit) * log_wrong_share))
    return q - 0.5 * float(np.dot(beta - 1, beta - 1))


def _e_step(state: GladBlock, alpha: FloatArray) -> tuple[FloatArray, float]:
    """Posteriors (n_local_tasks, K), gold clamped, and the block's log-likelihood at (alpha, betas)."""
    a = state.block.annotations
    x = np.concatenate([alpha[state.block.worker_index], state.beta])
    return Expectations(state.t, a, state.gold).e_step(x)


def glad_start(block: Block, alpha: FloatArray, use_gold: bool, beta: FloatArray | None = None) -> GladBlock:
    """Betas at 1 (or ``beta``, the block's rows of a warm start) and the first E-step; ``out`` = (Q's part,
    alpha tables)."""
    t = triples(block.counts)
    start = np.ones(block.annotations.n_tasks) if beta is None else np.asarray(beta, dtype=np.float64)
    state = GladBlock(block, t, block.gold if use_gold else None, start, np.zeros(0), ())
    return glad_e_step(state, alpha, with_q=True)


def glad_e_step(state: GladBlock, alpha: FloatArray, with_q: bool = False) -> GladBlock:
    """The E-step at (alpha, betas): each triple's posterior; ``out`` = ([Q's part,] alpha tables)."""
    posteriors, _ = _e_step(state, alpha)
    hit = posteriors.ravel()[state.t.task_label]
    tables = _alpha_tables(state, alpha, state.beta, hit)
    out = (_q_part(state, alpha, state.beta, hit), tables) if with_q else (tables,)
    return GladBlock(state.block, state.t, state.gold, state.beta, hit, out)


def glad_beta_step(state: GladBlock, alpha: FloatArray, then_e_step: bool = False) -> GladBlock:
    """One Fisher-scoring step on the block's betas after the alpha step; ``out`` = (largest beta score,
    Q's part at the new betas, alpha tables for the next step). With ``then_e_step`` (the M-step's last
    step) the next E-step runs here too, saving a round: the alpha tables are then the next iteration's."""
    t, beta, hit = state.t, state.beta, state.hit
    easiness = np.exp(beta)[t.task]
    z = alpha[state.block.worker_index][t.worker] * easiness
    grad, info = score_and_information(z, hit, t.count, z, t.task, len(beta))
    grad -= beta - 1
    beta = beta + np.clip(grad / info, -1.0, 1.0)
    largest = Largest(np.abs(grad).max(initial=0.0))
    q_part = _q_part(state, alpha, beta, hit)
    moved = GladBlock(state.block, t, state.gold, beta, hit, ())
    if then_e_step:
        hit = _e_step(moved, alpha)[0].ravel()[t.task_label]
    out = (largest, q_part, _alpha_tables(state, alpha, beta, hit))
    return GladBlock(state.block, t, state.gold, beta, hit, out)


def glad_out(state: GladBlock) -> tuple[Any, ...]:
    return state.out


def glad_posteriors(state: GladBlock, alpha: FloatArray) -> FloatArray:
    """The posteriors (n_local_tasks, K) and, last column, the betas of a block's tasks."""
    return np.column_stack([_e_step(state, alpha)[0], state.beta])


def _no_rows(block: Block) -> FloatArray:
    return np.zeros((block.annotations.n_tasks, 0))


class _Rounds:
    """The blocks' states (futures) and one round: a step on every block, its ``out`` summed on the cluster."""

    def __init__(self, blocks: BlockSet) -> None:
        self.blocks = blocks
        self.states: list[Any] = []

    def run(self, fn: Any, alpha: FloatArray, *args: Any, items: list[Any] | None = None) -> tuple[Any, ...]:
        client, alpha_future = self.blocks.client, self.blocks.params(alpha)
        self.states = [client.submit(fn, s, alpha_future, *args, pure=False) for s in items or self.states]
        # each state's small table first: states stay where they are, only tables travel to be summed
        outs = [client.submit(glad_out, s, pure=False) for s in self.states]
        return tuple(tree_reduce(client, outs, add_tables))


def fit_glad(blocks: BlockSet, model: GLAD) -> tuple[tuple[str, ...], FloatArray]:
    """``model`` (a ``GLAD``, Newton M-step) fitted on the blocks as ``GLAD._fit`` does in one process; sets
    its ``alphas_``, ``skills_``, ``betas_`` and ``n_iter_``. Returns task names and posteriors. With
    ``warm_start`` it starts from the model's alphas and betas, matched by worker and task name, as in-process."""
    model._validate_params()
    if model.m_step != "newton":
        raise InvalidInputError("m_step 'newton' for glad on the dask engine", got=repr(model.m_step))
    n_workers = blocks.n_workers
    max_steps, scale = model.m_step_max_iter or 2, max(blocks.n_annotations, 1)
    constant = float(LOG_SQRT_2PI * (n_workers + blocks.n_tasks))

    def q_of(part: float, alpha: FloatArray) -> float:
        return float(part) - 0.5 * float(np.dot(alpha - 1, alpha - 1)) - constant

    rounds = _Rounds(blocks)
    alpha, betas = np.ones(n_workers), [None] * len(blocks.blocks)
    vocabulary = blocks.vocabulary
    warm = warm_rows(model, "alphas_", (n_workers,), workers=vocabulary.workers, classes=vocabulary.classes)
    if warm is not None:
        alpha = warm
        names, _ = blocks.gather_tasks(_no_rows)  # the global task order, for ``scatter_rows``
        warm_betas = warm_task_rows(model, "betas_", names, cold=1.0)  # by task name, as in-process
        if warm_betas is not None:
            betas = blocks.scatter_rows(warm_betas)
    client, alpha_future = blocks.client, blocks.params(alpha)
    rounds.states = [
        client.submit(glad_start, b, alpha_future, blocks.use_gold, beta, pure=False)
        for b, beta in zip(blocks.blocks, betas, strict=True)
    ]
    outs = [client.submit(glad_out, s, pure=False) for s in rounds.states]
    part, tables = tree_reduce(client, outs, add_tables)
    q_value, converged = q_of(part, alpha), False
    for iteration in range(1, model.max_iter + 1):
        blocks.report("glad EM iterations", iteration, None)
        last = q_value
        for step in range(max_steps):
            summed = tables.dense(n_workers) if len(tables.index) else np.zeros((n_workers, 2))
            grad = summed[:, 0] - (alpha - 1)
            alpha = alpha + np.clip(grad / (summed[:, 1] + 1.0), -1.0, 1.0)
            largest = np.abs(grad).max(initial=0.0)
            fused = step == max_steps - 1
            beta_largest, part, tables = rounds.run(glad_beta_step, alpha, fused)
            if max(largest, float(beta_largest)) < model.m_step_tol:
                break
        q_value = q_of(part, alpha) / scale
        model.n_iter_ = iteration
        if q_value - last < model.tol:
            converged = True
            break
        if not fused:
            (tables,) = rounds.run(glad_e_step, alpha)
    if not converged:
        warn_not_converged("GLAD", model.max_iter)
    model.alphas_ = alpha
    model.skills_ = alpha
    tasks, rows = blocks.gather_tasks(glad_posteriors, blocks.params(alpha), items=rounds.states)
    model.betas_ = rows[:, -1].copy()
    return tasks, np.ascontiguousarray(rows[:, :-1])
