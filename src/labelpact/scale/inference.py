"""Truth inference on a Dask cluster: the in-process EM loops of ``core`` over data that lives in blocks.

``DawidSkene.fit_data`` and ``MACE.fit_data`` run unchanged in this process; what they ask of their data
(an E-step and its M-step tables) runs here as one task per block and a tree reduction of per-worker
tables. Block functions call the in-process kernels (``LocalData``, ``MaceKernel``, ``vote_shares``) on
the block's arrays, so results equal in-process fits up to the order of floating-point sums.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from labelpact.core.aggregators.dawid_skene import DawidSkene, EMTables, LocalData, OneCoinDawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE, MaceKernel
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa, majority_hits, vote_shares
from labelpact.core.annotations import FloatArray, Gold, IntArray
from labelpact.core.kernels import clamp_gold, vote_counts
from labelpact.errors import InvalidInputError
from labelpact.scale.blocks import Block, SparseRows
from labelpact.scale.cluster import BlockSet

__all__ = [
    "DISTRIBUTED_METHODS",
    "NOT_DISTRIBUTED",
    "ClusterDawidSkeneData",
    "ClusterMaceData",
    "Fit",
    "check_distributed",
    "fit_distributed",
    "refusal",
]


class Fit:
    """A distributed fit's result: task names, posteriors (n_tasks, K) in global task order, iterations."""

    def __init__(self, tasks: tuple[str, ...], probas: FloatArray, n_iter: int, model: Any) -> None:
        self.tasks = tasks
        self.probas = probas
        self.n_iter = n_iter
        self.model = model


def gold_of(block: Block, use_gold: bool) -> Gold | None:
    """The block's gold, or None for a fit that must not see it."""
    return block.gold if use_gold else None


# -- majority vote and Wawa ----------------------------------------------------------------------


def frequencies_of(blocks: BlockSet) -> FloatArray:
    """Each class's share of all labels (K,), as ``kernels.label_frequencies`` of the whole delivery: the
    vote share of a task nobody labelled."""
    counts = blocks.given.sum(axis=0)
    total = counts.sum()
    return counts / total if total > 0 else np.full(blocks.n_classes, 1.0 / max(blocks.n_classes, 1))


def block_shares(block: Block, frequencies: FloatArray, weights: FloatArray | None = None) -> FloatArray:
    """``vote_shares`` of a block's tasks (n_local_tasks, K), the whole delivery's label shares where a
    task has no (weighted) vote; ``weights`` (n_local_workers,) weigh each worker's labels."""
    a = block.annotations
    shares = vote_shares(a, None if weights is None else weights[a.worker])
    shares[vote_counts(a, None if weights is None else weights[a.worker]).sum(axis=1) <= 0] = frequencies
    return shares


def block_vote_shares(block: Block, use_gold: bool, frequencies: FloatArray) -> FloatArray:
    """Vote shares of a block's tasks (n_local_tasks, K), gold tasks set to their class."""
    return clamp_gold(block_shares(block, frequencies), gold_of(block, use_gold))


def block_wawa_hits(block: Block, use_gold: bool) -> tuple[Any, ...]:
    """Per global worker: labels equal to the majority vote (or to gold where known), and labels (n, 2)."""
    a = block.annotations
    hits = np.bincount(a.worker, weights=majority_hits(a, gold_of(block, use_gold)), minlength=a.n_workers)
    n = np.bincount(a.worker, minlength=a.n_workers).astype(np.float64)
    return (SparseRows(block.worker_index, np.column_stack([hits, n])),)


def block_wawa_shares(
    block: Block, use_gold: bool, skills: FloatArray, frequencies: FloatArray
) -> FloatArray:
    """Wawa's weighted vote shares of a block's tasks; plain vote shares where every weight is 0."""
    shares = block_shares(block, frequencies, skills[block.worker_index])
    a = block.annotations
    unweighted = vote_counts(a, skills[block.worker_index][a.worker]).sum(axis=1) <= 0
    unweighted &= a.labels_per_task() > 0
    if unweighted.any():
        shares[unweighted] = vote_shares(a)[unweighted]
    return clamp_gold(shares, gold_of(block, use_gold))


def fit_wawa(blocks: BlockSet) -> Fit:
    """``Wawa``: weights are each worker's agreement with the majority vote (gold where known), summed over
    blocks; then the weighted vote, block by block."""
    (rows,) = blocks.map_reduce(block_wawa_hits, blocks.use_gold)
    table = rows.dense(blocks.n_workers) if len(rows.index) else np.zeros((blocks.n_workers, 2))
    skills = np.divide(table[:, 0], table[:, 1], out=np.zeros(blocks.n_workers), where=table[:, 1] > 0)
    frequencies = frequencies_of(blocks)
    tasks, probas = blocks.gather_tasks(block_wawa_shares, blocks.use_gold, skills, frequencies)
    model = Wawa()
    model.skills_, model.n_iter_ = skills, 1
    return Fit(tasks, probas, 1, model)


# -- Dawid-Skene and one-coin -------------------------------------------------------------------


def block_vote_tables(block: Block, use_gold: bool, frequencies: FloatArray) -> tuple[Any, ...]:
    """The vote-share start's tables of one block (posterior sum, expected counts by global worker)."""
    posteriors = block_vote_shares(block, use_gold, frequencies)
    return posteriors.sum(axis=0), SparseRows(block.worker_index, block.counts.m_step_counts(posteriors))


def block_em_tables(block: Block, params: tuple[FloatArray, FloatArray], use_gold: bool) -> tuple[Any, ...]:
    """One E-step of a block under global (priors, confusions): log-likelihood, posterior sum, expected counts."""
    priors, confusions = params
    ll, tables = LocalData(block.annotations, block.counts, gold_of(block, use_gold)).em_tables(
        priors, confusions[block.worker_index]
    )
    return ll, tables.posterior_sum, SparseRows(block.worker_index, tables.expected)


def block_em_posteriors(block: Block, params: tuple[FloatArray, FloatArray], use_gold: bool) -> FloatArray:
    """The posteriors (n_local_tasks, K) of a block's E-step under global (priors, confusions)."""
    priors, confusions = params
    data = LocalData(block.annotations, block.counts, gold_of(block, use_gold))
    data.em_tables(priors, confusions[block.worker_index])
    return data.posteriors()


class BlockData:
    """The global sizes of a ``BlockSet``, as the EM loops ask for them."""

    def __init__(self, blocks: BlockSet) -> None:
        self.blocks = blocks
        self.tasks: tuple[str, ...] = ()  # filled by ``posteriors``, in global task order
        self._step = 0

    @property
    def n_tasks(self) -> int:
        return self.blocks.n_tasks

    @property
    def n_workers(self) -> int:
        return self.blocks.n_workers

    @property
    def n_classes(self) -> int:
        return self.blocks.n_classes

    @property
    def n_annotations(self) -> int:
        return self.blocks.n_annotations

    @property
    def given(self) -> FloatArray:
        return self.blocks.given

    def step(self, what: str) -> None:
        """Count an E-step and report it."""
        self._step += 1
        self.blocks.report(what, self._step, None)


class ClusterDawidSkeneData(BlockData):
    """``DawidSkeneData`` over a ``BlockSet``: each E-step is one task per block and a tree reduction."""

    def __init__(self, blocks: BlockSet, method: str = "ds") -> None:
        super().__init__(blocks)
        self.method = method
        self._params: tuple[FloatArray, FloatArray] | None = None

    def _expected(self, rows: SparseRows) -> FloatArray:
        return (
            rows.dense(self.n_workers)
            if len(rows.index)
            else np.zeros((self.n_workers, self.n_classes, self.n_classes))
        )

    def vote_tables(self) -> EMTables:
        posterior_sum, rows = self.blocks.map_reduce(
            block_vote_tables, self.blocks.use_gold, frequencies_of(self.blocks)
        )
        return EMTables(posterior_sum, self._expected(rows))

    def em_tables(self, priors: FloatArray, confusions: FloatArray) -> tuple[float, EMTables]:
        self._params = (priors, confusions)
        self.step(f"{self.method} EM iterations")
        ll, posterior_sum, rows = self.blocks.map_reduce(
            block_em_tables, self.blocks.params(self._params), self.blocks.use_gold
        )
        return float(ll), EMTables(posterior_sum, self._expected(rows))

    def posteriors(self) -> FloatArray:
        if self._params is None:
            raise InvalidInputError("an E-step before the posteriors are read")
        self.tasks, rows = self.blocks.gather_tasks(
            block_em_posteriors, self.blocks.params(self._params), self.blocks.use_gold
        )
        return rows


# -- MACE ---------------------------------------------------------------------------------------


class MaceBlock:
    """A block's ``MaceKernel`` and where its (worker, class) pairs sit among the global used pairs."""

    def __init__(self, block: Block, used: IntArray, use_gold: bool) -> None:
        self.block = block
        self.kernel = MaceKernel(block.counts, gold_of(block, use_gold))
        k = block.counts.n_classes
        local_worker, label = np.divmod(self.kernel.used, k)
        self.position: IntArray = np.searchsorted(used, block.worker_index[local_worker] * k + label)


def block_used_pairs(block: Block) -> tuple[Any, ...]:
    """The global (worker * K + class) pairs a block's labels use, as a one-item table for the reduction."""
    k = block.counts.n_classes
    x = block.counts.by_task
    pairs = np.unique(block.worker_index[x.indices // k] * k + x.indices % k)
    return (SparseRows(pairs, np.zeros(len(pairs))),)


def mace_block(block: Block, used: IntArray, use_gold: bool) -> MaceBlock:
    return MaceBlock(block, used, use_gold)


def mace_block_step(mb: MaceBlock, params: tuple[FloatArray, FloatArray]) -> tuple[Any, ...]:
    """A block's E-step under global (knowing (W, 2), strategies (n_used,)): log-likelihood and expected counts."""
    knowing, strategies = params
    local_knowing = knowing[mb.block.worker_index]
    local_strategies = strategies[mb.position]
    mb.kernel.log_norm = None  # each task starts from its own shift: a retried task computes the same
    posteriors, ll = mb.kernel.e_step_posteriors(local_knowing, local_strategies)
    knowing_counts, strategy_counts = mb.kernel.counts_under(local_knowing, local_strategies, posteriors)
    return (
        ll,
        SparseRows(mb.block.worker_index, knowing_counts),
        SparseRows(mb.position, strategy_counts),
    )


def mace_block_posteriors(mb: MaceBlock, params: tuple[FloatArray, FloatArray]) -> FloatArray:
    knowing, strategies = params
    mb.kernel.log_norm = None
    posteriors, _ = mb.kernel.e_step_posteriors(knowing[mb.block.worker_index], strategies[mb.position])
    return posteriors


class ClusterMaceData(BlockData):
    """``MaceData`` over a ``BlockSet``: per-block ``MaceKernel``s, tables reduced over used pairs."""

    def __init__(self, blocks: BlockSet) -> None:
        super().__init__(blocks)
        (pairs,) = blocks.map_reduce(block_used_pairs)
        self.used: IntArray = pairs.index
        self.worker: IntArray = self.used // blocks.n_classes
        used = blocks.params(self.used)
        client = blocks.client
        self.mace_blocks = [client.submit(mace_block, b, used, blocks.use_gold) for b in blocks.blocks]
        self._params: tuple[FloatArray, FloatArray] | None = None
        self._tables: tuple[FloatArray, FloatArray] | None = None

    def e_step(self, knowing: FloatArray, strategies: FloatArray) -> float:
        self._params = (knowing, strategies)
        self.step("mace EM iterations")
        params = self.blocks.params(self._params)
        client = self.blocks.client
        futures = [client.submit(mace_block_step, mb, params, pure=False) for mb in self.mace_blocks]
        from labelpact.scale.blocks import add_tables
        from labelpact.scale.cluster import tree_reduce

        ll, knowing_rows, strategy_rows = tree_reduce(client, futures, add_tables)
        self._tables = (knowing_rows.dense(self.n_workers), strategy_rows.dense(len(self.used)))
        return float(ll)

    def expected_counts(self) -> tuple[FloatArray, FloatArray]:
        if self._tables is None:
            raise InvalidInputError("an E-step before the expected counts are read")
        return self._tables

    def posteriors(self) -> FloatArray:
        if self._params is None:
            raise InvalidInputError("an E-step before the posteriors are read")
        params = self.blocks.params(self._params)
        self.tasks, rows = self.blocks.gather_tasks(mace_block_posteriors, params, items=self.mace_blocks)
        return rows


# -- dispatch -----------------------------------------------------------------------------------

DISTRIBUTED_METHODS = ("auto", "bcc", "ds", "ebcc", "glad", "mace", "mv", "one-coin-ds", "wawa")
# why a method does not run on the dask engine (the error says it)
NOT_DISTRIBUTED: dict[str, str] = {
    "mmce": "minimax conditional entropy holds a confusion matrix per task and runs in-process only"
}


def refusal(method: str) -> InvalidInputError:
    """The error for a method the dask engine does not run: the methods it runs, and why not this one."""
    why = NOT_DISTRIBUTED.get(method)
    return InvalidInputError(
        f"a method the dask engine runs: {list(DISTRIBUTED_METHODS)}" + (f" ({why})" if why else ""),
        column="method",
        got=repr(method),
    )


def check_distributed(method: str) -> None:
    """``refusal(method)`` raised unless the dask engine runs ``method``."""
    if method not in DISTRIBUTED_METHODS:
        raise refusal(method)


def fit_distributed(
    blocks: BlockSet,
    method: str,
    *,
    random_state: int | None = 0,
    use_gold: bool = True,
    params: dict[str, Any] | None = None,
    start: Any = None,
) -> Fit:
    """Fit ``method`` on the blocks; the same EM loop as in-process, the data side on the cluster.

    ``use_gold`` False ignores the blocks' gold (a fit scored on the gold it never saw); ``params`` go to
    the method's constructor (as ``core.aggregators.create``'s). ``start``, a fitted model of the method,
    is refitted warm from its parameters (``crossfit.refit``: ds, one-coin-ds, glad and mace take it).
    """
    if not use_gold:
        blocks = dataclasses.replace(blocks, use_gold=False)
    fit = _fit(blocks, method, random_state, params or {}, start)
    if fit.model is not None:  # as ``Aggregator.fit`` leaves a model: a warm refit of it reads these
        fit.model._worker_seen = blocks.given.sum(axis=1) > 0
        fit.model.probas_, fit.model.classes_, fit.model.n_iter_ = (
            fit.probas,
            blocks.vocabulary.classes,
            fit.n_iter,
        )
    return fit


def _warm(start: Any, cold: Any) -> Any:
    """``start`` set to refit warm when it can (``crossfit.refit``'s rule), else ``cold``."""
    if start is not None and "warm_start" in start.get_params():
        start.warm_start = True
        return start
    return cold


def _fit(blocks: BlockSet, method: str, random_state: int | None, params: dict[str, Any], start: Any) -> Fit:
    if method == "auto":
        from labelpact.core.aggregators.auto import Auto
        from labelpact.scale.auto import fit_auto

        return fit_auto(blocks, Auto(**{"random_state": random_state, **params}))
    if method == "mv":
        tasks, probas = blocks.gather_tasks(block_vote_shares, blocks.use_gold, frequencies_of(blocks))
        return Fit(tasks, probas, 0, MajorityVote())
    if method in ("ds", "one-coin-ds"):
        model: Any = _warm(start, (DawidSkene if method == "ds" else OneCoinDawidSkene)(**params))
        data = ClusterDawidSkeneData(blocks, method)
        probas = model.fit_data(data, blocks.vocabulary.workers, blocks.vocabulary.classes)
        return Fit(data.tasks, probas, model.n_iter_, model)
    if method == "wawa":
        return fit_wawa(blocks)
    if method == "glad":
        from labelpact.scale.glad import fit_glad

        glad = _warm(start, GLAD(**params))
        tasks, probas = fit_glad(blocks, glad)
        return Fit(tasks, probas, glad.n_iter_, glad)
    if method in ("ebcc", "bcc"):
        from labelpact.scale.ebcc import fit_ebcc

        ebcc = EBCC(**{"random_state": random_state, **params})
        tasks, probas = fit_ebcc(blocks, ebcc)
        return Fit(tasks, probas, ebcc.n_iter_, ebcc)
    if method == "mace":
        model = _warm(start, MACE(**{"random_state": random_state, **params}))
        mace_data = ClusterMaceData(blocks)
        probas = model.fit_data(mace_data, blocks.vocabulary.workers, blocks.vocabulary.classes)
        return Fit(mace_data.tasks, probas, model.n_iter_, model)
    raise refusal(method)
