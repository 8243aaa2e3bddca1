"""Majority vote and worker-agreement-weighted majority vote (Wawa)."""

from __future__ import annotations

import numpy as np

from labelpact.core.aggregators.base import Aggregator
from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import label_frequencies, vote_counts

__all__ = ["MajorityVote", "Wawa", "vote_shares"]


def vote_shares(a: Annotations, weights: FloatArray | None = None) -> FloatArray:
    """Share of (weighted) votes per task and class (n_tasks, n_classes); label frequencies where none."""
    votes = vote_counts(a, weights)
    total = votes.sum(axis=1, keepdims=True)
    prior = label_frequencies(a)
    shares: FloatArray = np.divide(
        votes, total, out=np.broadcast_to(prior, votes.shape).copy(), where=total > 0
    )
    return shares


class MajorityVote(Aggregator):
    """The class most workers chose; ties go to the class first in ``annotations.classes``.

    The baseline of every truth-inference survey (e.g. Zheng et al., *Truth Inference in
    Crowdsourcing: Is the Problem Solved?*, VLDB 2017). ``skills_`` is each worker's agreement with it.
    """

    skills_: FloatArray

    def __init__(self) -> None:
        pass

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        probas = vote_shares(a)
        self.skills_ = agreement_with(a, probas.argmax(axis=1))
        return probas


class Wawa(Aggregator):
    """Worker Agreement With Aggregate: majority vote weighted by each worker's agreement with plain MV.

    As in crowd-kit (Ustalov et al., *Learning from Crowds with Crowd-Kit*, JOSS 2024); ``skills_`` (n_workers,)
    are the weights. Gold tasks, when given, replace MV as the reference for the weights.
    """

    skills_: FloatArray

    def __init__(self) -> None:
        pass

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        reference = vote_shares(a).argmax(axis=1)
        if gold is not None and len(gold):
            reference[gold.task] = gold.label
        self.skills_ = agreement_with(a, reference)
        self.n_iter_ = 1
        probas = vote_shares(a, self.skills_[a.worker])
        unweighted = vote_counts(a, self.skills_[a.worker]).sum(axis=1) <= 0
        if unweighted.any():  # every worker on these tasks disagrees with MV everywhere: fall back to MV
            probas[unweighted] = vote_shares(a)[unweighted]
        return probas


def agreement_with(a: Annotations, reference: IntArray) -> FloatArray:
    """Share of each worker's labels that equal ``reference[task]`` (n_workers,); 0 for workers without labels."""
    hits = np.bincount(
        a.worker, weights=(a.label == reference[a.task]).astype(np.float64), minlength=a.n_workers
    )
    n = np.bincount(a.worker, minlength=a.n_workers)
    return np.divide(hits, n, out=np.zeros(a.n_workers), where=n > 0)
