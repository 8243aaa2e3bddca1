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

from labelpact.core.aggregators.base import Aggregator
from labelpact.core.aggregators.dawid_skene import DawidSkene
from labelpact.core.aggregators.ebcc import EBCC
from labelpact.core.aggregators.glad import GLAD
from labelpact.core.aggregators.mace import MACE
from labelpact.core.annotations import Annotations, FloatArray, IntArray
from labelpact.core.kernels import label_frequencies, vote_counts

__all__ = ["FLOOR", "label_predictive", "shared_accuracy_predictive"]

FLOOR = 1e-3  # every prediction is mixed with this much of the uniform: one surprising label costs log(K/FLOOR), not inf


def label_predictive(
    model: Aggregator, train: Annotations, task: IntArray, worker: IntArray, label: IntArray
) -> FloatArray:
    """p(label | task, worker) (n_held,) for held-out labels, under ``model`` fitted on ``train``.

    Workers with no label in ``train`` get the crowd's mean confusion matrix (GLAD: its prior skill).
    """
    k = train.n_classes
    q = model.probas_[task]  # (n_held, K)
    rows = np.arange(len(label))
    if isinstance(model, GLAD):
        right = expit(model.alphas_[worker] * np.exp(model.betas_[task]))
        chosen = q[rows, label]
        p = chosen * right + (1.0 - chosen) * (1.0 - right) / max(k - 1, 1)
    elif isinstance(model, DawidSkene | MACE | EBCC):
        confusions = model.confusions_
        seen = np.bincount(train.worker, minlength=train.n_workers) > 0
        if seen.any() and not seen.all():
            confusions = confusions.copy()
            confusions[~seen] = confusions[seen].mean(axis=0)
        p = np.einsum("nk,nk->n", q, confusions[worker, :, label])
    else:
        raise TypeError(f"no worker model to predict labels with in {type(model).__name__}")
    floored: FloatArray = (1.0 - FLOOR) * p + FLOOR / max(k, 1)
    return floored


def shared_accuracy_predictive(train: Annotations, task: IntArray, label: IntArray) -> FloatArray:
    """p(label | task) (n_held,) under the model whose Bayes rule is majority vote.

    Every worker is right with one shared probability ``s`` and otherwise picks a wrong class
    uniformly; ``s`` is the share of training labels that agree with the training majority vote.
    The task posterior is then ``prior_k * exp(c * votes_k)`` with ``c = log(s (K - 1) / (1 - s))``.
    """
    k = train.n_classes
    votes = vote_counts(train)
    prior = label_frequencies(train)
    if train.n_annotations and k > 1:
        majority = votes.argmax(axis=1)
        s = float(np.clip(np.mean(train.label == majority[train.task]), 1.0 / k + 1e-6, 1.0 - 1e-6))
        c = np.log(s * (k - 1) / (1.0 - s))
    else:
        s, c = 1.0 / max(k, 1), 0.0
    log_post = np.log(np.maximum(prior, 1e-300))[None, :] + c * votes[task]
    log_post -= log_post.max(axis=1, keepdims=True)
    q = np.exp(log_post)
    q /= q.sum(axis=1, keepdims=True)
    chosen = q[np.arange(len(label)), label]
    p = chosen * s + (1.0 - chosen) * (1.0 - s) / max(k - 1, 1)
    floored: FloatArray = (1.0 - FLOOR) * p + FLOOR / max(k, 1)
    return floored
