"""An audit on the Dask engine: its truth inference, agreement and worker scorecards computed on a cluster.

``audit_engine("dask", scheduler)`` is a context: an audit run inside it (``audit_batch`` of a delivered
file, ``audit_stored_batch`` of a stored one) sends the annotations it read to the cluster once, as blocks
of whole tasks, and computes the consensus (``auto``, as in-process: the same choice, labels, calibrated
posteriors and held-out accuracy), the agreement coefficients with their bootstrap intervals (the same
draws) and the worker scorecards (durations included) there. Label errors, ethics and the error rate use
them in this process, so the stored audit is the one a local audit stores (floating-point sums to 1e-9).
The blocks are sent as recomputable tasks: a worker lost mid-audit costs a recomputation, not the audit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from labelpact.core.agreement import Agreement, Level
from labelpact.core.annotations import Annotations, Gold
from labelpact.core.consensus import Consensus, HeldOutAccuracy
from labelpact.core.workers import WorkerReport
from labelpact.errors import InvalidInputError
from labelpact.io import Delivery
from labelpact.services.engine.consensus import consensus_of_fit
from labelpact.services.engine.session import Progress, engine_client, engine_progress
from labelpact.services.progress import Progress as StageProgress
from labelpact.services.quality import ConsensusResult

__all__ = ["DaskAudit", "audit_engine", "current_audit_engine"]

_ENGINE: ContextVar[DaskAudit | None] = ContextVar("labelpact_audit_engine", default=None)


class DaskAudit:
    """The cluster an audit's consensus and agreement run on, and the blocks of the annotations it audits."""

    def __init__(self, client: Any, progress: Progress | None = None) -> None:
        self.client = client
        self.progress = progress
        self._lock = threading.Lock()  # agreement asks for the blocks from a second thread
        self._held: tuple[Annotations, Any] | None = None

    def blocks(self, a: Annotations, gold: Gold | None = None) -> Any:
        """``a`` (with ``gold``) as blocks on the cluster, sent once per audited delivery: call it with the
        gold first (``bind``); a later call for the same annotations gets those blocks."""
        from labelpact.scale.cluster import distribute_annotations

        with self._lock:
            if self._held is None or self._held[0] is not a:
                self._held = (a, distribute_annotations(self.client, a, gold=gold, progress=self.progress))
            return self._held[1]

    def bind(self, delivery: Delivery) -> DaskAudit:
        """Send ``delivery``'s annotations and gold to the cluster now (before its measures start)."""
        self.blocks(delivery.annotations, delivery.gold)
        return self

    def consensus(self, delivery: Delivery, *, method: str, random_state: int | None = 0) -> ConsensusResult:
        """``services.quality.consensus_of`` on the cluster: ``auto`` (the contract's default), the same
        consensus as in-process; a named method is refused (its calibration refits it in one process)."""
        from labelpact.scale.inference import fit_distributed

        if method != "auto":
            raise InvalidInputError(
                "method 'auto' for an audit on the dask engine (a named method's calibration refits it on "
                "held-out labels in one process: audit it on the local engine)",
                column="quality.method",
                column_kind="contract key",
                got=repr(method),
            )
        started = time.perf_counter()
        a, gold = delivery.annotations, delivery.gold
        blocks = self.bind(delivery).blocks(a)
        fit = fit_distributed(blocks, method, random_state=random_state)
        auto = fit.model
        held_out = None
        if gold is not None and len(gold) and auto.held_out_accuracy_ is not None:
            held_out = HeldOutAccuracy(auto.held_out_accuracy_, len(gold), str(auto.held_out_procedure_))
        consensus = consensus_of_fit(fit, a.classes, method, held_out, blocks.unlabelled)
        return ConsensusResult(
            consensus=consensus,
            accuracy=None if held_out is None else held_out.value,
            seconds=time.perf_counter() - started,
            accuracy_method=None if held_out is None else held_out.procedure,
        )

    def workers(self, delivery: Delivery, *, consensus: Consensus) -> WorkerReport:
        """``services.quality.workers_of`` on the cluster: scorecards against gold and ``consensus`` (this
        engine's, in ``delivery``'s task order), equal to the in-process ones to rounding."""
        from labelpact.scale.workers import score_workers_distributed

        blocks = self.bind(delivery).blocks(delivery.annotations)
        tasks, _ = blocks.gather_tasks(no_rows)  # the order ``scatter_rows`` cuts the posteriors by
        if tasks != consensus.tasks:
            raise InvalidInputError("a consensus of the audited tasks, in their order", column="consensus")
        return score_workers_distributed(blocks, np.asarray(consensus.probas))

    def agreement(
        self,
        a: Annotations,
        *,
        level: Level = "nominal",
        n_bootstrap: int = 1000,
        pair_bootstrap: int | None = None,
        random_state: int | None = 0,
    ) -> Agreement:
        """``core.agreement.agreement`` on the cluster (the same coefficients and bootstrap draws)."""
        from labelpact.scale.agreement import agreement_distributed

        return agreement_distributed(
            self.blocks(a),
            level=level,
            n_bootstrap=n_bootstrap,
            pair_bootstrap=pair_bootstrap,
            random_state=random_state,
        )


def no_rows(block: Any) -> Any:
    """An empty row per task of ``block`` (n_tasks, 0): ``gather_tasks`` of it gives the task order alone."""
    return np.zeros((block.annotations.n_tasks, 0))


def current_audit_engine() -> DaskAudit | None:
    """The Dask engine the audit being run uses, or None (in this process)."""
    return _ENGINE.get()


@contextmanager
def audit_engine(
    engine: str = "local",
    scheduler: str | None = None,
    *,
    client: Any = None,
    n_workers: int | None = None,
    progress: StageProgress | None = None,
) -> Iterator[None]:
    """Audits run inside compute their consensus and agreement on Dask when ``engine`` is "dask" (on
    ``client``, else a client of ``scheduler``, else a ``LocalCluster`` here); "local" changes nothing."""
    if engine not in ("local", "dask"):
        raise InvalidInputError(
            "engine 'local' or 'dask'", column="engine", column_kind="field", got=repr(engine)
        )
    if engine == "local":
        if scheduler:
            raise InvalidInputError(
                "a scheduler only with the dask engine",
                column="scheduler",
                column_kind="field",
                got=scheduler,
            )
        yield
        return
    with engine_client(scheduler, n_workers=n_workers, client=client) as made:
        token = _ENGINE.set(DaskAudit(made, engine_progress(progress)))
        try:
            yield
        finally:
            _ENGINE.reset(token)
