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
from scipy import sparse
from scipy.special import expit

from labelpact.core.aggregators.base import Aggregator, crowd_rows, used_columns
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
    "vote_confusion_columns",
]

_BLOCK = 1 << 22  # floats per block of crowd cell sums
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
        return q, vote_confusion_columns(train, model.probas_, worker, label)
    else:
        raise TypeError(f"no worker model to predict labels with in {type(model).__name__}")
    confusions = crowd_rows(confusions, np.bincount(train.worker, minlength=train.n_workers) > 0)
    return q, confusions[worker, :, label]


def vote_confusion_columns(
    train: Annotations, posteriors: FloatArray, worker: IntArray, label: IntArray
) -> FloatArray:
    """Confusion columns ``C[i, k] = p(label_i | true k)`` (n_held, K) of one M-step on ``posteriors``
    (n_tasks, K) with one pseudo-count per cell, never building the (n_workers, K, K) matrices.

    Cell ``[w, k, l]`` is ``(S[w, l, k] + 1) / (R[w, k] + K)``, ``S`` the posterior mass of the tasks
    ``w`` labelled ``l`` and ``R`` its sum over ``l``: only the (worker, label) cells held out are summed,
    so the cost follows the labels, not workers x K^2. A worker with no training label gets the mean
    of the seen workers' columns (``crowd_rows``).
    """
    k, n_workers = train.n_classes, train.n_workers
    ones = np.ones(train.n_annotations)
    by_worker = sparse.csr_matrix((ones, (train.worker, train.task)), shape=(n_workers, train.n_tasks))
    denominator = np.asarray(by_worker @ posteriors) + float(k)  # (n_workers, K)
    seen = np.bincount(train.worker, minlength=n_workers) > 0
    known = seen[worker]
    out = np.empty((len(label), k))
    cells, code = used_columns(worker[known] * k + label[known], n_workers * k)
    out[known] = (_cell_sums(train, posteriors, cells)[code] + 1.0) / denominator[worker[known]]
    if not known.all() and seen.any():
        labels, position = used_columns(label[~known], k)
        inverse = 1.0 / denominator[seen]  # (n_seen, K)
        crowd = _crowd_cell_sums(train, posteriors, labels, 1.0 / denominator) + inverse.sum(axis=0)
        out[~known] = crowd[position] / seen.sum()
    elif not known.all():
        out[~known] = 1.0 / k  # no training label at all: every column is uniform
    return out


def _cell_sums(train: Annotations, posteriors: FloatArray, cells: IntArray) -> FloatArray:
    """``S`` at the (worker * K + label) codes ``cells`` (sorted, distinct): posterior mass (n_cells, K)
    of the training tasks each cell's worker gave that label."""
    code = train.worker * train.n_classes + train.label
    position = np.minimum(np.searchsorted(cells, code), max(len(cells) - 1, 0))
    match = cells[position] == code if len(cells) else np.zeros(len(code), dtype=bool)
    pick = sparse.csr_matrix(
        (np.ones(int(match.sum())), (position[match], train.task[match])), shape=(len(cells), train.n_tasks)
    )
    return np.asarray(pick @ posteriors, dtype=np.float64)


def _crowd_cell_sums(
    train: Annotations, posteriors: FloatArray, labels: IntArray, inverse: FloatArray
) -> FloatArray:
    """``sum_w S[w, l, :] / D[w, :]`` (n_labels, K) for the sorted distinct ``labels``, ``inverse`` = 1 / D
    (n_workers, K); summed over blocks of (worker, label) cells so memory stays near ``_BLOCK`` floats."""
    k = train.n_classes
    wanted = np.zeros(k, dtype=bool)
    wanted[labels] = True
    rows = wanted[train.label]
    cells, _ = used_columns(train.worker[rows] * k + train.label[rows], train.n_workers * k)
    index = np.searchsorted(labels, cells % k)
    out = np.zeros((len(labels), k))
    step = max(_BLOCK // max(k, 1), 1)
    for start in range(0, len(cells), step):  # blocks of cells, a handful at most
        block = cells[start : start + step]
        part = _cell_sums(train, posteriors, block) * inverse[block // k]
        into = index[start : start + step]
        gather = sparse.csr_matrix(
            (np.ones(len(block)), (into, np.arange(len(block)))), shape=(len(labels), len(block))
        )
        out += gather @ part
    return out


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
