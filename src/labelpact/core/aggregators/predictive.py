"""Predictive probability of held-out labels under a fitted model: how well it explains labels it never saw.

A truth-inference model predicts a new label ``l`` from worker ``w`` on task ``t`` as
``sum_k q_t(k) * pi_w[k, l]``: the task's posterior times the worker's confusion row. Comparing
models by the log of that probability on labels held out of the fit is cross-validated predictive
likelihood (e.g. Vehtari, Gelman and Gabry, *Practical Bayesian model evaluation using leave-one-out
cross-validation and WAIC*, Statistics and Computing 27, 2017); it penalises a model that fits
worker parameters it has too few labels to estimate.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from labelpact.core.aggregators.base import Aggregator, counts_of, crowd_rows
from labelpact.core.aggregators.dawid_skene import DawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.aggregators.majority_vote import MajorityVote, Wawa
from labelpact.core.aggregators.minimax_entropy import MinimaxEntropy
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.kernels import label_frequencies, vote_counts

__all__ = [
    "FLOOR",
    "label_predictive",
    "label_rows",
    "shared_accuracy_posterior",
    "shared_accuracy_predictive",
    "shared_accuracy_rows",
]

FLOOR = 1e-3  # every prediction is mixed with this much of the uniform: one surprising label costs log(K/FLOOR), not inf


def label_predictive(
    model: Aggregator, train: Annotations, task: IntArray, worker: IntArray, label: IntArray
) -> FloatArray:
    """p(label | task, worker) (n_held,) for held-out labels, under ``model`` fitted on ``train``.

    Workers with no label in ``train`` get the crowd's mean confusion matrix (GLAD: its prior skill).
    """
    q, rows = label_rows(model, train, task, worker, label)
    return _floored(np.einsum("nk,nk->n", q, rows), train.n_classes)


def label_rows(
    model: Aggregator, train: Annotations, task: IntArray, worker: IntArray, label: IntArray
) -> tuple[FloatArray, FloatArray]:
    """The two factors of the forecast of each held-out label: the task posterior ``q`` (n_held, K) and
    the worker's confusion column ``C`` (n_held, K), ``C[i, k] = p(label_i | true k)``.

    Models without a worker model (majority vote, Wawa) get each worker's confusion matrix from one
    M-step on their posteriors, with one pseudo-count per cell.
    """
    k = train.n_classes
    q = model.probas_[task]  # (n_held, K)
    rows = np.arange(len(label))
    if isinstance(model, GLAD):
        right = expit(model.alphas_[worker] * np.exp(model.betas_[task]))
        c = np.repeat(((1.0 - right) / max(k - 1, 1))[:, None], k, axis=1)
        c[rows, label] = right
        return q, c
    if isinstance(model, MinimaxEntropy):  # a task's own confusion too: no shared matrix per worker
        return q, model.label_columns(task, worker, label)
    if isinstance(model, DawidSkene | MACE | EBCC):
        confusions = model.confusions_
    elif isinstance(model, MajorityVote | Wawa):
        expected = counts_of(train).m_step_counts(model.probas_) + 1.0
        confusions = expected / expected.sum(axis=2, keepdims=True)
    else:
        raise TypeError(f"no worker model to predict labels with in {type(model).__name__}")
    confusions = crowd_rows(confusions, np.bincount(train.worker, minlength=train.n_workers) > 0)
    return q, confusions[worker, :, label]


def shared_accuracy_predictive(train: Annotations, task: IntArray, label: IntArray) -> FloatArray:
    """p(label | task) (n_held,) under the model whose Bayes rule is majority vote.

    Every worker is right with one shared probability ``s`` and otherwise picks a wrong class
    uniformly; ``s`` is the share of training labels that agree with the training majority vote.
    The task posterior is then ``prior_k * exp(c * votes_k)`` with ``c = log(s (K - 1) / (1 - s))``.
    """
    q, rows = shared_accuracy_rows(train, task, label)
    return _floored(np.einsum("nk,nk->n", q, rows), train.n_classes)


def shared_accuracy_rows(
    train: Annotations, task: IntArray, label: IntArray
) -> tuple[FloatArray, FloatArray]:
    """``label_rows`` for the shared-accuracy model: task posteriors (n_held, K) and confusion columns (n_held, K)."""
    k = train.n_classes
    posteriors, s = shared_accuracy_posterior(train)
    c = np.full((len(label), k), (1.0 - s) / max(k - 1, 1))
    c[np.arange(len(label)), label] = s
    return posteriors[task], c


def shared_accuracy_posterior(a: Annotations) -> tuple[FloatArray, float]:
    """Task posteriors (n_tasks, K) of the shared-accuracy model fitted on ``a``, and its accuracy ``s``."""
    k = a.n_classes
    votes = vote_counts(a)
    prior = label_frequencies(a)
    if a.n_annotations and k > 1:
        majority = votes.argmax(axis=1)
        s = float(np.clip(np.mean(a.label == majority[a.task]), 1.0 / k + 1e-6, 1.0 - 1e-6))
        c = np.log(s * (k - 1) / (1.0 - s))
    else:
        s, c = 1.0 / max(k, 1), 0.0
    log_post = np.log(np.maximum(prior, 1e-300))[None, :] + c * votes
    log_post -= log_post.max(axis=1, keepdims=True)
    q = np.exp(log_post)
    q /= q.sum(axis=1, keepdims=True)
    return q, s


def _floored(p: FloatArray, k: int) -> FloatArray:
    floored: FloatArray = (1.0 - FLOOR) * p + FLOOR / max(k, 1)
    return floored
