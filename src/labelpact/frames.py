"""crowd-kit's convention at the API edge: aggregators that also take a pandas DataFrame ``task, worker, label``.

crowd-kit users write ``DawidSkene().fit_predict(df)`` and get a Series named ``agg_label`` indexed by
``task``, or ``fit_predict_proba(df)`` and get a DataFrame of class probabilities (index ``task``, columns
the classes, named ``label``). The classes ``labelpact`` exports (``lp.DawidSkene``, ``lp.MajorityVote``, ...)
are the core methods with ``CrowdKitConvention`` mixed in, so they accept that frame wherever they accept
an ``Annotations``; ids and labels keep their pandas values (an integer label stays an integer). Given an
``Annotations``, ``fit_predict`` returns ``labels_`` and ``fit_predict_proba`` returns ``probas_``, as numpy.

pandas is not a runtime dependency of labelpact: it is imported only when a frame is passed, and
``core`` never sees it (the frame becomes an ``Annotations`` here). Example::

    >>> import pandas as pd, labelpact as lp
    >>> df = pd.DataFrame({"task": [1, 1, 2], "worker": ["a", "b", "a"], "label": ["cat", "cat", "dog"]})
    >>> lp.MajorityVote().fit_predict(df).to_dict()
    {1: 'cat', 2: 'dog'}
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Self, overload

import numpy as np
import numpy.typing as npt

from labelpact.core import aggregators as core
from labelpact.core.annotations import Annotations, FloatArray, Gold
from labelpact.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "EBCC",
    "GLAD",
    "MACE",
    "Auto",
    "CrowdKitConvention",
    "DawidSkene",
    "MajorityVote",
    "MinimaxEntropy",
    "OneCoinDawidSkene",
    "Wawa",
    "annotations_from_frame",
    "require_pandas",
]

COLUMNS = ("task", "worker", "label")  # crowd-kit's long format


def require_pandas() -> ModuleType:
    """The pandas module, or an ImportError that says how to install it (it is an optional dependency)."""
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise ImportError(
            "a pandas DataFrame needs pandas, which labelpact does not install: pip install pandas "
            "(or pass an lp.Annotations, e.g. lp.Annotations.from_columns(task=..., worker=..., label=...))"
        ) from None


def annotations_from_frame(frame: pd.DataFrame) -> tuple[Annotations, pd.Index, pd.Index]:
    """``frame`` (columns ``task, worker, label``, one row per annotation) as ``Annotations``, with the original
    task ids in ``Annotations.tasks`` order and the original labels in ``Annotations.classes`` order.

    Ids and labels are coded by their text, so two values with the same text (``1`` and ``"1"``) are refused
    rather than merged; a missing value is refused with its row.
    """
    pd = require_pandas()
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError(
            "an lp.Annotations or a pandas DataFrame with columns task, worker, label",
            got=type(frame).__name__,
        )
    for name in COLUMNS:
        if name not in frame.columns:
            raise InvalidInputError(
                "a column for each of task, worker, label",
                column=name,
                got=f"columns {', '.join(map(repr, map(str, frame.columns)))}",
            )
        missing = frame[name].isna().to_numpy()
        if missing.any():
            index = frame.index[int(np.flatnonzero(missing)[0])]
            raise InvalidInputError(
                "a value in every row", column=name, got=f"a missing value at index {index!r}"
            )
    a = Annotations.from_columns(task=frame["task"], worker=frame["worker"], label=frame["label"])
    tasks = pd.Index(pd.unique(frame["task"]), name="task")  # first appearance, as Annotations codes them
    labels = pd.unique(frame["label"])
    workers = pd.unique(frame["worker"])
    for name, values, n in (
        ("task", tasks, a.n_tasks),
        ("worker", workers, a.n_workers),
        ("label", labels, a.n_classes),
    ):
        if len(values) != n:  # two values with one text: name the first such pair
            shown = pd.Series(values)
            clash = shown[shown.astype(str).duplicated(keep=False)].head(2).tolist()
            raise InvalidInputError(
                f"{name} values that stay distinct as text", column=name, got=f"{clash[0]!r} and {clash[1]!r}"
            )
    by_text = dict(zip(map(str, labels), labels, strict=True))
    classes = pd.Index([by_text[c] for c in a.classes], name="label")  # K values, in a.classes order
    return a, tasks, classes


class CrowdKitConvention(core.Aggregator):
    """Mixin: ``fit``, ``fit_predict`` and ``fit_predict_proba`` also take crowd-kit's DataFrame.

    ``gold`` may then be crowd-kit's ``true_labels``: a Series of true labels indexed by task.
    """

    def fit(self, annotations: Annotations | pd.DataFrame, gold: Gold | pd.Series | None = None) -> Self:
        """Fit on an ``Annotations`` or a ``task, worker, label`` DataFrame (``labels_`` stay numpy)."""
        self._fit_any(annotations, gold)
        return self

    @overload
    def fit_predict(
        self, data: Annotations, gold: Gold | pd.Series | None = None
    ) -> npt.NDArray[np.str_]: ...
    @overload
    def fit_predict(self, data: pd.DataFrame, gold: Gold | pd.Series | None = None) -> pd.Series: ...
    def fit_predict(
        self, data: Annotations | pd.DataFrame, gold: Gold | pd.Series | None = None
    ) -> npt.NDArray[np.str_] | pd.Series:
        """Fit and return the label of each task: a Series ``agg_label`` indexed by ``task`` for a frame,
        else ``labels_`` (n_tasks,)."""
        frame = self._fit_any(data, gold)
        if frame is None:
            return self.labels_
        import pandas as pd  # present: the frame was read

        tasks, classes = frame
        values = classes.take(self.probas_.argmax(axis=1)) if len(tasks) else classes[:0]
        return pd.Series(values.to_numpy(), index=tasks, name="agg_label")

    @overload
    def fit_predict_proba(self, data: Annotations, gold: Gold | pd.Series | None = None) -> FloatArray: ...
    @overload
    def fit_predict_proba(self, data: pd.DataFrame, gold: Gold | pd.Series | None = None) -> pd.DataFrame: ...
    def fit_predict_proba(
        self, data: Annotations | pd.DataFrame, gold: Gold | pd.Series | None = None
    ) -> FloatArray | pd.DataFrame:
        """Fit and return class probabilities: a DataFrame (index ``task``, columns the classes) for a frame,
        else ``probas_`` (n_tasks, n_classes)."""
        frame = self._fit_any(data, gold)
        if frame is None:
            return self.probas_
        import pandas as pd  # present: the frame was read

        tasks, classes = frame
        return pd.DataFrame(self.probas_, index=tasks, columns=classes)

    def _fit_any(
        self, data: Annotations | pd.DataFrame, gold: Gold | pd.Series | None
    ) -> tuple[pd.Index, pd.Index] | None:
        """Fit on ``data``; for a frame, return its task ids and classes as pandas indexes (None otherwise)."""
        if isinstance(data, Annotations):
            super().fit(data, _gold(data, gold))
            return None
        a, tasks, classes = annotations_from_frame(data)
        super().fit(a, _gold(a, gold, tasks, classes))
        return tasks, classes


def _gold(
    a: Annotations, gold: object, tasks: pd.Index | None = None, classes: pd.Index | None = None
) -> Gold | None:
    """``gold`` as it is, or crowd-kit's ``true_labels`` Series (task -> label) coded into ``a``; given the frame's
    original ``tasks`` and ``classes``, its values are matched to them by value, so a partial gold Series that
    pandas made float (1 -> 1.0 beside NaN) still names class 1."""
    if gold is None or isinstance(gold, Gold):
        return gold
    pd = require_pandas()
    if not isinstance(gold, pd.Series):
        raise InvalidInputError(
            "gold as lp.Gold or a pandas Series of labels indexed by task", got=type(gold).__name__
        )
    known = gold.dropna()
    task_names = [str(t) for t in known.index]
    label_names = [str(y) for y in known.to_numpy()]
    if tasks is not None and classes is not None:
        task_names = _by_value(known.index, tasks, a.tasks, task_names)
        label_names = _by_value(pd.Index(known.to_numpy()), classes, a.classes, label_names)
    return Gold.from_names(a, task=task_names, label=label_names)


def _by_value(
    values: pd.Index, originals: pd.Index, names: tuple[str, ...], fallback: list[str]
) -> list[str]:
    """The name (``names``, in ``originals`` order) of each value equal to an original; its text otherwise."""
    where = originals.get_indexer(values) if originals.is_unique else None
    if where is None:
        return fallback
    return [names[i] if i >= 0 else text for i, text in zip(where.tolist(), fallback, strict=True)]


class MajorityVote(CrowdKitConvention, core.MajorityVote):
    __doc__ = core.MajorityVote.__doc__


class Wawa(CrowdKitConvention, core.Wawa):
    __doc__ = core.Wawa.__doc__


class DawidSkene(CrowdKitConvention, core.DawidSkene):
    __doc__ = core.DawidSkene.__doc__


class OneCoinDawidSkene(CrowdKitConvention, core.OneCoinDawidSkene):
    __doc__ = core.OneCoinDawidSkene.__doc__


class GLAD(CrowdKitConvention, core.GLAD):
    __doc__ = core.GLAD.__doc__


class MACE(CrowdKitConvention, core.MACE):
    __doc__ = core.MACE.__doc__


class EBCC(CrowdKitConvention, core.EBCC):
    __doc__ = core.EBCC.__doc__


class MinimaxEntropy(CrowdKitConvention, core.MinimaxEntropy):
    __doc__ = core.MinimaxEntropy.__doc__


class Auto(CrowdKitConvention, core.Auto):
    __doc__ = core.Auto.__doc__
