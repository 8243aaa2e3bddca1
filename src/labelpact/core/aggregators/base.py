"""The estimator contract every truth-inference method follows (scikit-learn style).

``__init__`` stores keyword-only parameters verbatim; ``fit(annotations, gold=None)`` validates,
delegates to ``_fit`` (which may trust its inputs) and fills the fitted attributes ending in ``_``.
"""

from __future__ import annotations

import inspect
import warnings
from abc import ABC, abstractmethod
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import ConvergenceWarning, InvalidInputError

__all__ = ["Aggregator", "check_positive_float", "check_positive_int", "check_tol", "warn_not_converged"]


class Aggregator(ABC):
    """Base of the methods: infers a true class per task from workers' labels.

    Fitted attributes: ``labels_`` (class name per task, ndarray of str in ``annotations.tasks``
    order), ``probas_`` (n_tasks, n_classes) in ``annotations.classes`` order, ``classes_``, ``n_iter_``.
    """

    labels_: npt.NDArray[np.str_]
    probas_: FloatArray
    classes_: tuple[str, ...]
    n_iter_: int

    def fit(self, annotations: Annotations, gold: Gold | None = None) -> Self:
        """Fit on ``annotations``; ``gold`` (honeypots) anchors the estimate where the method can use it."""
        if not isinstance(annotations, Annotations):
            raise InvalidInputError("an Annotations object", got=type(annotations).__name__)
        if gold is not None:
            if not isinstance(gold, Gold):
                raise InvalidInputError("a Gold object or None", got=type(gold).__name__)
            if len(gold) and (
                gold.task.max() >= annotations.n_tasks or gold.label.max() >= annotations.n_classes
            ):
                raise InvalidInputError("gold coded into the annotations' task and class vocabularies")
        if annotations.n_classes == 0:
            raise InvalidInputError("at least one class in the vocabulary", column="label", got="none")
        self._validate_params()
        self.classes_ = annotations.classes
        self.n_iter_ = 0
        probas = self._fit(annotations, gold)
        if gold is not None and len(gold):
            probas[gold.task] = 0.0
            probas[gold.task, gold.label] = 1.0
        self.probas_ = probas
        names = np.asarray(annotations.classes, dtype=np.str_)
        self.labels_ = names[probas.argmax(axis=1)] if len(probas) else np.empty(0, dtype=np.str_)
        return self

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as scikit-learn's ``get_params`` returns them."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]

    def _validate_params(self) -> None:
        """Check the constructor parameters; subclasses extend it."""
        return

    @abstractmethod
    def _fit(self, a: Annotations, gold: Gold | None) -> FloatArray:
        """Return task posteriors (n_tasks, n_classes); set method-specific fitted attributes."""


def check_positive_int(name: str, value: object) -> int:
    """``value`` as a positive int, or an InvalidInputError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInputError(f"{name} to be a positive integer", got=repr(value))
    return int(value)


def check_tol(name: str, value: object) -> float:
    """``value`` as a non-negative float, or an InvalidInputError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not value >= 0:
        raise InvalidInputError(f"{name} to be a non-negative number", got=repr(value))
    return float(value)


def check_positive_float(name: str, value: object) -> float:
    """``value`` as a finite positive float (a Dirichlet or Beta concentration), or an InvalidInputError.

    A zero or infinite concentration makes ``digamma`` return -inf or inf, and the variational
    updates then compute ``inf - inf``: NaN posteriors instead of an error.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 < value < np.inf:
        raise InvalidInputError(f"{name} to be a finite positive number", got=repr(value))
    return float(value)


def warn_not_converged(method: str, max_iter: int) -> None:
    """Say loudly that an iterative method stopped at ``max_iter`` (crowd-kit stays silent)."""
    warnings.warn(
        f"{method} stopped at max_iter={max_iter} before its tolerance was met; "
        "the labels may be unstable (raise max_iter or tol)",
        ConvergenceWarning,
        stacklevel=4,
    )
