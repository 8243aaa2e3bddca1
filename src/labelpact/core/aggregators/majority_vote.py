"""Majority vote and worker-agreement-weighted majority vote (Wawa)."""

from __future__ import annotations

import numpy as np

from labelpact.core.aggregators.base import Aggregator
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.core.kernels import label_frequencies, vote_counts

__all__ = ["MajorityVote", "Wawa", "majority_hits", "vote_shares"]


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
    Crowdsourcing: Is the Problem Solved?*, VLDB 2017). ``skills_`` is each worker's agreement with it
    (a label among m classes tied at the top agrees 1/m, whichever class the tie goes to).
    """

    skills_: FloatArray

    def __init__(self) -> None:
        pass

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        probas = vote_shares(a)
        self.skills_ = agreement_with(a, majority_hits(a))
        return probas


class Wawa(Aggregator):
    """Worker Agreement With Aggregate: majority vote weighted by each worker's agreement with plain MV.

    As in crowd-kit (Ustalov et al., *Learning from Crowds with Crowd-Kit*, JOSS 2024); ``skills_`` (n_workers,)
    are the weights. Gold tasks, when given, replace MV as the reference for the weights. Where classes tie
    at the top of a task's vote, a label among m of them agrees 1/m (crowd-kit gives the whole point to
    the tied class it sorts first, so its weights move when the classes are renamed).
    """

    skills_: FloatArray

    def __init__(self) -> None:
        pass

    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        self.skills_ = agreement_with(a, majority_hits(a, gold))
        self.n_iter_ = 1
        probas = vote_shares(a, self.skills_[a.worker])
        unweighted = vote_counts(a, self.skills_[a.worker]).sum(axis=1) <= 0
        if unweighted.any():  # every worker on these tasks disagrees with MV everywhere: fall back to MV
            probas[unweighted] = vote_shares(a)[unweighted]
        return probas


def majority_hits(a: Annotations, gold: Gold | None = None) -> FloatArray:
    """How far each label agrees with its task's majority vote (n_annotations,): 1 for the top class, 1/m for
    each of m classes tied at the top, 0 otherwise; on gold tasks, 1 where the label is the gold class."""
    votes = vote_counts(a)
    tied = votes == votes.max(axis=1, keepdims=True)
    share = tied / np.maximum(tied.sum(axis=1, keepdims=True), 1)
    hits: FloatArray = share[a.task, a.label]
    if gold is not None and len(gold):
        truth = np.full(a.n_tasks, -1, dtype=np.intp)
        truth[gold.task] = gold.label
        known = truth[a.task] >= 0
        hits[known] = (a.label[known] == truth[a.task[known]]).astype(np.float64)
    return hits


def agreement_with(a: Annotations, hits: FloatArray) -> FloatArray:
    """Mean of ``hits`` (n_annotations,) over each worker's labels (n_workers,); 0 for workers without labels."""
    total = np.bincount(a.worker, weights=hits, minlength=a.n_workers)
    n = np.bincount(a.worker, minlength=a.n_workers)
    return np.divide(total, n, out=np.zeros(a.n_workers), where=n > 0)
