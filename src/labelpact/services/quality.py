"""Use cases of the quality judgement on one delivery: consensus, agreement and worker scorecards."""

from __future__ import annotations

import time
from dataclasses import dataclass

from labelpact.core.agreement import Agreement, Level, agreement
from labelpact.core.consensus import Consensus, aggregate, consensus_codes
from labelpact.core.workers import WorkerReport, score_workers
from labelpact.io import Delivery

__all__ = ["ConsensusResult", "agreement_of", "consensus_of", "workers_of"]


@dataclass(frozen=True, slots=True)
class ConsensusResult:
    """The consensus of a delivery, its out-of-sample gold accuracy (None without gold), and the time it took.

    ``accuracy`` is measured on gold tasks that did not inform the labels scored (never the anchored
    fit's ~100% on its own honeypots); ``accuracy_method`` says how, in words.
    """

    consensus: Consensus
    accuracy: float | None
    seconds: float
    accuracy_method: str | None = None


def consensus_of(
    delivery: Delivery, *, method: str = "auto", random_state: int | None = 0
) -> ConsensusResult:
    """Infer the true class of every task; gold, when the delivery has it, anchors the estimate.

    The accuracy reported is out of sample: the gold is split into folds and each fold scored by a fit
    anchored by the other folds' gold (cross-fitting; on deliveries over ``CROSS_FIT_LABELS`` labels,
    fits without gold). The stored confidence is calibrated (``core.calibration``). ``seconds`` covers all.
    """
    started = time.perf_counter()
    consensus = aggregate(delivery.annotations, method=method, gold=delivery.gold, random_state=random_state)
    seconds = time.perf_counter() - started
    held_out = consensus.held_out
    return ConsensusResult(
        consensus=consensus,
        accuracy=None if held_out is None else held_out.value,
        seconds=seconds,
        accuracy_method=None if held_out is None else held_out.procedure,
    )


def agreement_of(
    delivery: Delivery, *, level: Level = "nominal", n_bootstrap: int = 1000, random_state: int | None = 0
) -> Agreement:
    """Inter-annotator agreement of the delivery with bootstrap intervals over tasks."""
    return agreement(delivery.annotations, level=level, n_bootstrap=n_bootstrap, random_state=random_state)


def workers_of(
    delivery: Delivery, *, consensus: Consensus | None = None, method: str = "auto"
) -> WorkerReport:
    """Scorecards of every worker against gold and the consensus (inferred with ``method`` unless given)."""
    result = consensus if consensus is not None else consensus_of(delivery, method=method).consensus
    a = delivery.annotations
    codes = consensus_codes(a, result.probas)
    return score_workers(a, consensus=codes, probas=result.probas, gold=delivery.gold)
