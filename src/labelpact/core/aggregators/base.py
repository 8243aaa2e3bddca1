"""The estimator contract every truth-inference method follows (scikit-learn style).

``__init__`` stores keyword-only parameters verbatim; ``fit(annotations, gold=None)`` validates,
delegates to ``_fit`` (which may trust its inputs) and fills the fitted attributes ending in ``_``.
Iterative methods take ``warm_start`` (as in scikit-learn): a refit starts from the last fit's parameters.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple, Self

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import Annotations, FloatArray, Gold, IntArray
from labelpact.core.kernels import CountMatrix, count_matrix
from labelpact.core.keyed import gold_in_name_order
from labelpact.errors import InvalidInputError, warn_convergence

__all__ = [
    "MAX_DENSE_CELLS",
    "Aggregator",
    "FitNames",
    "check_positive_float",
    "check_positive_int",
    "check_seed",
    "check_sequence",
    "check_tol",
    "confusion_cells",
    "counts_of",
    "crowd_rows",
    "name_index",
    "shared_counts",
    "used_columns",
    "warm_rows",
    "warm_task_rows",
    "warn_not_converged",
]


class Aggregator(ABC):
    """Base of the methods: infers a true class per task from workers' labels.

    Fitted attributes: ``labels_`` (class name per task, ndarray of str in ``annotations.tasks``
    order), ``probas_`` (n_tasks, n_classes) in ``annotations.classes`` order, ``classes_``, ``n_iter_``.
    A task of the vocabulary that no one labelled (after ``Annotations.select``) gets the model's prior in
    ``probas_`` and its likeliest class in ``labels_``: a guess, not a consensus (``lp.aggregate`` gives such a
    task no label and a NaN confidence; ``annotations.labels_per_task() == 0`` finds them).
    """

    labels_: npt.NDArray[np.str_]
    probas_: FloatArray
    classes_: tuple[str, ...]
    n_iter_: int
    _worker_seen: npt.NDArray[np.bool_]

    def fit(self, annotations: Annotations, gold: Gold | None = None) -> Self:
        """Fit on ``annotations``; ``gold`` (honeypots) anchors the estimate where the method can use it."""
        if not isinstance(annotations, Annotations):
            raise InvalidInputError("an Annotations object", got=type(annotations).__name__)
        if gold is not None:
            if not isinstance(gold, Gold):
                raise InvalidInputError("a Gold object or None", got=type(gold).__name__)
            if len(gold) and (
                gold.task.max() >= annotations.n_tasks
                or gold.label.max() >= annotations.n_classes
                or min(gold.task.min(), gold.label.min()) < 0
            ):
                raise InvalidInputError("gold coded into the annotations' task and class vocabularies")
        if annotations.n_classes == 0:
            raise InvalidInputError("at least one class in the vocabulary", column="label", got="none")
        gold = gold_in_name_order(gold, annotations.tasks)  # gold folds follow names, not file order
        self._validate_params()
        cells = self.dense_cells(annotations)
        if cells > MAX_DENSE_CELLS:
            raise InvalidInputError(
                f"at most {MAX_DENSE_CELLS:,} cells in one of {type(self).__name__}'s arrays "
                f"(MAX_DENSE_CELLS; {self._dense_shape}: use fewer classes, or majority vote)",
                got=f"{cells:,} for {annotations.n_workers:,} workers, {annotations.n_tasks:,} tasks "
                f"and {annotations.n_classes:,} classes",
            )
        self.classes_ = annotations.classes
        self.n_iter_ = 0
        probas = self._fit(annotations, gold)
        # which workers this fit saw: a warm-started refit gives the others the crowd's mean parameters
        self._worker_seen = np.bincount(annotations.worker, minlength=annotations.n_workers) > 0
        # the names behind the fitted rows: a warm refit aligns its start to the new data by name
        self._fit_names = FitNames(
            annotations.workers, annotations.classes, annotations.tasks, self._worker_seen
        )
        if gold is not None and len(gold):
            probas[gold.task] = 0.0
            probas[gold.task, gold.label] = 1.0
        self.probas_ = probas
        names = np.asarray(annotations.classes, dtype=np.str_)
        self.labels_ = names[probas.argmax(axis=1)] if len(probas) else np.empty(0, dtype=np.str_)
        return self

    # what ``dense_cells`` counts, for the refusal message
    _dense_shape = "workers x classes x classes"

    def dense_cells(self, a: Annotations) -> int:
        """Cells of the largest array this method holds beyond the (n_tasks, K) posteriors every method returns.

        0 here; confusion-matrix models hold (n_workers, K, K) (``confusion_cells``): 1,000 classes (the
        ingest limit) and 10,000 workers would be 80 GB. ``fit`` refuses above ``MAX_DENSE_CELLS``, and
        ``auto`` leaves such a model out.
        """
        return 0

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


# Largest dense array (float64 cells) a method may allocate beyond its (n_tasks, K) posteriors: 2 GiB.
# Confusion matrices per worker grow as workers x classes^2, which a hostile delivery makes tens of GB.
MAX_DENSE_CELLS = 2**28

# annotations object id -> (the object, its count matrix), inside ``shared_counts`` only
_SHARED: ContextVar[dict[int, tuple[Annotations, CountMatrix]] | None] = ContextVar(
    "shared_counts", default=None
)


@contextmanager
def shared_counts() -> Iterator[None]:
    """Within this block, fits on the same ``Annotations`` object build its count matrix once.

    For callers that fit many methods on one delivery (``auto``); the cache holds the objects it
    was given, so their ids stay theirs, and is dropped when the block ends.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def counts_of(a: Annotations) -> CountMatrix:
    """``count_matrix(a)``, built once per ``Annotations`` object inside ``shared_counts``."""
    cache = _SHARED.get()
    if cache is None:
        return count_matrix(a)
    hit = cache.get(id(a))
    if hit is None or hit[0] is not a:
        hit = cache[id(a)] = (a, count_matrix(a))
    return hit[1]


def used_columns(column: npt.NDArray[np.integer[Any]], size: int) -> tuple[IntArray, IntArray]:
    """The distinct values of ``column`` (all in [0, size)), sorted, and each entry's index among them.

    ``np.unique`` plus ``np.searchsorted``, by a table of ``size`` entries when that is small next to
    ``column`` (a count and a lookup, linear), else by sorting (a billion (worker, class) pairs fit no table).
    """
    column = np.asarray(column, dtype=np.intp)
    if size <= max(4 * len(column), 1 << 16):
        used: IntArray = np.flatnonzero(np.bincount(column, minlength=size))
        code = np.empty(size, dtype=np.intp)
        code[used] = np.arange(len(used))
        return used, code[column]
    used, position = np.unique(column, return_inverse=True)
    return used.astype(np.intp, copy=False), position.astype(np.intp, copy=False).reshape(-1)


def confusion_cells(a: Annotations) -> int:
    """Cells of one (n_workers, K, K) array of per-worker confusion matrices."""
    return a.n_workers * a.n_classes * a.n_classes


class FitNames(NamedTuple):
    """The vocabularies of the last fit, and its ``_worker_seen`` (to tell them from a fit made elsewhere)."""

    workers: tuple[str, ...]
    classes: tuple[str, ...]
    tasks: tuple[str, ...]
    seen: npt.NDArray[np.bool_]


def name_index(old: Sequence[str], new: Sequence[str]) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """For each name of ``new`` (n,): its index in ``old`` (0 where absent) and whether it is there."""
    old_names = np.asarray(old, dtype=np.str_)
    new_names = np.asarray(new, dtype=np.str_)
    if not len(old_names) or not len(new_names):
        return np.zeros(len(new_names), dtype=np.intp), np.zeros(len(new_names), dtype=bool)
    order = np.argsort(old_names, kind="stable")
    position = np.searchsorted(old_names, new_names, sorter=order).clip(0, len(old_names) - 1)
    index: IntArray = order[position].astype(np.intp, copy=False)
    return index, old_names[index] == new_names


def _fresh_names(model: Aggregator) -> FitNames | None:
    """The last fit's names, when its fitted rows came from ``Aggregator.fit`` (not set by another path)."""
    names = getattr(model, "_fit_names", None)
    seen = getattr(model, "_worker_seen", None)
    return names if isinstance(names, FitNames) and names.seen is seen else None


def warm_rows(
    model: Aggregator,
    name: str,
    shape: tuple[int, ...],
    *,
    workers: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
) -> FloatArray | None:
    """The last fit's per-worker parameter ``name`` (n_workers, ...) to start a ``warm_start`` refit from.

    Rows are matched to ``workers`` by name, not by code (codes follow the file's row order). A worker the
    last fit had no label from gets the mean of the others' rows (the crowd's average worker, not a default
    such as a perfect skill). None (start cold) without ``warm_start``, without a previous fit, when the class
    vocabulary differs from ``classes`` (class codes would mean other classes) or when no worker is shared.
    Without ``workers`` (a caller that has no names) the rows are matched by position when the shape agrees.
    """
    previous = getattr(model, name, None)
    seen = getattr(model, "_worker_seen", None)
    if not getattr(model, "warm_start", False) or previous is None or seen is None:
        return None
    names = _fresh_names(model)
    if workers is None or names is None:
        if previous.shape != shape or len(seen) != shape[0]:
            return None
        return crowd_rows(np.array(previous, dtype=np.float64, copy=True), seen)
    if classes is not None and tuple(classes) != names.classes:
        return None
    if previous.shape[1:] != shape[1:] or len(previous) != len(seen) or len(workers) != shape[0]:
        return None
    index, found = name_index(names.workers, workers)
    known = found & seen[index]
    if not known.any():
        return None
    rows: FloatArray = np.array(previous[index], dtype=np.float64, copy=True)
    rows[~known] = np.asarray(previous, dtype=np.float64)[seen].mean(axis=0)
    return rows


def warm_task_rows(model: Aggregator, name: str, tasks: Sequence[str], cold: float) -> FloatArray | None:
    """The last fit's per-task parameter ``name`` (n_tasks, ...) for the refit's ``tasks``, matched by name;
    a task the last fit did not have starts at ``cold``. None without a warm start or a shared task."""
    previous = getattr(model, name, None)
    names = _fresh_names(model)
    if not getattr(model, "warm_start", False) or previous is None:
        return None
    if names is None:  # no names to match: only the very same size, by position
        return None if len(previous) != len(tasks) else np.array(previous, dtype=np.float64, copy=True)
    if len(previous) != len(names.tasks):
        return None
    index, found = name_index(names.tasks, tasks)
    if not found.any():
        return None
    rows: FloatArray = np.array(previous[index], dtype=np.float64, copy=True)
    rows[~found] = cold
    return rows


def crowd_rows(rows: FloatArray, seen: npt.NDArray[np.bool_]) -> FloatArray:
    """Per-worker ``rows`` (n_workers, ...) with each unseen worker's row replaced by the mean of the seen
    workers' (the crowd's average worker); a copy when any row is replaced, else ``rows`` itself."""
    if not seen.any() or seen.all():
        return rows
    out: FloatArray = rows.copy()
    out[~seen] = rows[seen].mean(axis=0)
    return out


def check_positive_int(name: str, value: object) -> int:
    """``value`` as a positive int, or an InvalidInputError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInputError(f"{name} to be a positive integer", got=repr(value))
    return int(value)


def check_seed(name: str, value: object) -> int | None:
    """``value`` as a seed (None, or a non-negative int as ``np.random.default_rng`` takes), or an
    InvalidInputError naming the parameter: a float seed was truncated (2.5 as 2), NaN and inf crashed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InvalidInputError(f"{name} to be None or a non-negative integer", got=repr(value))
    return int(value)


def check_sequence(name: str, value: object) -> list[Any]:
    """``value`` (a sequence or 1-D array, not a string) as a non-empty list, or an InvalidInputError naming the
    parameter: a scalar or a string would be iterated (or fail to be) deep inside the fit."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray) or not len(value):
        raise InvalidInputError(f"{name} to be a non-empty sequence", got=repr(value))
    return list(value)


def check_tol(name: str, value: object) -> float:
    """``value`` as a finite non-negative float, or an InvalidInputError naming the parameter.

    Infinity is refused: as a pseudo-count (DS ``smoothing``, ``pooling``) it makes every posterior NaN.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0 <= value < np.inf:
        raise InvalidInputError(f"{name} to be a finite non-negative number", got=repr(value))
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
    warn_convergence(
        f"{method} stopped at max_iter={max_iter} before its tolerance was met; "
        "the labels may be unstable (raise max_iter or tol)",
        stacklevel=4,
    )
