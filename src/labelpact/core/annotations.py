"""The data contract: integer-coded annotations, gold answers and task payloads.

Every numeric kernel in labelpact works on these arrays; names live only in the vocabularies,
so a million labels cost three integer arrays, never a million Python strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from labelpact.core.names import name_array
from labelpact.errors import InvalidInputError

__all__ = [
    "Annotations",
    "DuplicatePolicy",
    "FloatArray",
    "Gold",
    "IntArray",
    "TaskPayloads",
    "TimeArray",
    "encode_first_seen",
    "frozen_array",
    "natural_order",
]

IntArray: TypeAlias = npt.NDArray[np.intp]
FloatArray: TypeAlias = npt.NDArray[np.float64]
TimeArray: TypeAlias = npt.NDArray[np.datetime64]  # datetime64[ms], UTC, NaT where unknown
DuplicatePolicy: TypeAlias = Literal["keep", "first", "last", "error"]


def frozen_array(values: npt.ArrayLike, dtype: npt.DTypeLike) -> Any:
    """A read-only array of ``dtype``; copies only when the caller's array could change under us."""
    array = np.array(values, dtype=dtype, copy=True)
    array.flags.writeable = False
    return array


def natural_order(names: Iterable[str]) -> tuple[str, ...]:
    """Sort class names as a person would: numerically when all are numbers (``2`` before ``10``)."""
    unique = sorted(set(names))
    try:
        return tuple(sorted(unique, key=float))
    except ValueError:
        return tuple(unique)


@dataclass(frozen=True, slots=True)
class Annotations:
    """Worker ``worker[i]`` gave task ``task[i]`` the class ``label[i]``; names live in the vocabularies.

    ``duration_s`` (seconds on task, NaN where unknown) and ``started_at`` / ``submitted_at``
    (``datetime64[ms]`` UTC, NaT where unknown) are optional per-annotation columns.
    A task or class may appear in the vocabulary without any annotation (delivered unlabelled, never chosen).
    """

    task: IntArray  # shape (n_annotations,), values in [0, n_tasks)
    worker: IntArray  # shape (n_annotations,), values in [0, n_workers)
    label: IntArray  # shape (n_annotations,), values in [0, n_classes)
    tasks: tuple[str, ...]
    workers: tuple[str, ...]
    classes: tuple[str, ...]
    duration_s: FloatArray | None = None
    started_at: TimeArray | None = None
    submitted_at: TimeArray | None = None

    def __post_init__(self) -> None:
        n = len(self.task)
        for name in ("task", "worker", "label"):
            object.__setattr__(self, name, frozen_array(getattr(self, name), np.intp))
        for name, vocab in (("task", self.tasks), ("worker", self.workers), ("label", self.classes)):
            codes = getattr(self, name)
            if codes.shape != (n,):
                raise InvalidInputError(f"one value per annotation ({n}) in column {name!r}")
            if n and (codes.min() < 0 or codes.max() >= len(vocab)):
                raise InvalidInputError(f"codes in {name!r} that index its vocabulary of {len(vocab)} names")
            if len(set(vocab)) != len(vocab):
                raise InvalidInputError(f"a {name} vocabulary without repeated names")
        if self.duration_s is not None:
            object.__setattr__(self, "duration_s", frozen_array(self.duration_s, np.float64))
        for name in ("started_at", "submitted_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, frozen_array(value, "datetime64[ms]"))
        for name in ("duration_s", "started_at", "submitted_at"):
            value = getattr(self, name)
            if value is not None and value.shape != (n,):
                raise InvalidInputError(f"one value per annotation ({n}) in column {name!r}")

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_columns(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        label: Sequence[Any] | npt.ArrayLike,
        classes: Sequence[str] | None = None,
        duration_s: npt.ArrayLike | None = None,
        started_at: npt.ArrayLike | None = None,
        submitted_at: npt.ArrayLike | None = None,
    ) -> Annotations:
        """Build from parallel columns of names (any hashable values are turned into strings).

        Tasks and workers keep their order of first appearance; classes are ``classes`` when given
        (a label outside it is an error) and otherwise the labels seen, in natural order. A missing value
        (None, NaN) or two values with the same text (``1`` and ``"1"``) is an error naming its column.
        """
        task_names = name_array(task, "task")  # missing values and text clashes (1 and "1") refused
        worker_names = name_array(worker, "worker")
        label_names = name_array(label, "label")
        if not (len(task_names) == len(worker_names) == len(label_names)):
            raise InvalidInputError("task, worker and label columns of the same length")
        tasks, task_codes = encode_first_seen(task_names)
        workers, worker_codes = encode_first_seen(worker_names)
        vocab = tuple(str(c) for c in classes) if classes is not None else natural_order(label_names.tolist())
        lookup = {name: i for i, name in enumerate(vocab)}
        unknown = [name for name in dict.fromkeys(label_names.tolist()) if name not in lookup]
        if unknown:
            raise InvalidInputError(f"a label in {list(vocab)}", column="label", got=repr(unknown[0]))
        label_codes = np.fromiter(
            (lookup[x] for x in label_names.tolist()), dtype=np.intp, count=len(label_names)
        )
        return cls(
            task=task_codes,
            worker=worker_codes,
            label=label_codes,
            tasks=tasks,
            workers=workers,
            classes=vocab,
            duration_s=None if duration_s is None else np.asarray(duration_s, dtype=np.float64),
            started_at=None if started_at is None else np.asarray(started_at, dtype="datetime64[ms]"),
            submitted_at=None if submitted_at is None else np.asarray(submitted_at, dtype="datetime64[ms]"),
        )

    # -- sizes ---------------------------------------------------------------------------------
    @property
    def n_annotations(self) -> int:
        return len(self.task)

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def __len__(self) -> int:
        return self.n_annotations

    # -- vectorised queries --------------------------------------------------------------------
    def label_counts(self) -> FloatArray:
        """Votes per task and class, shape (n_tasks, n_classes)."""
        flat = np.bincount(self.task * self.n_classes + self.label, minlength=self.n_tasks * self.n_classes)
        return flat.reshape(self.n_tasks, self.n_classes).astype(np.float64)

    def labels_per_task(self) -> IntArray:
        """Number of annotations of each task, shape (n_tasks,); zero for tasks delivered unlabelled."""
        return np.bincount(self.task, minlength=self.n_tasks).astype(np.intp)

    def labels_per_worker(self) -> IntArray:
        """Number of annotations of each worker, shape (n_workers,)."""
        return np.bincount(self.worker, minlength=self.n_workers).astype(np.intp)

    def duplicate_mask(self, *, keep: Literal["first", "last"] = "first") -> npt.NDArray[np.bool_]:
        """True for each annotation that repeats a (task, worker) pair seen at another row.

        ``keep="first"`` leaves the earliest row of each pair unmarked, ``"last"`` the latest.
        """
        key = self.task.astype(np.int64) * max(self.n_workers, 1) + self.worker
        order = key if keep == "first" else key[::-1]
        _, first = np.unique(order, return_index=True)
        mask = np.ones(self.n_annotations, dtype=bool)
        mask[first] = False
        return mask if keep == "first" else mask[::-1].copy()

    def one_per_pair(self) -> Annotations:
        """One row per (task, worker): the worker's most frequent label on the task (ties: the class first in
        ``classes``), at its earliest row. Unlike ``duplicate_mask(keep="first")`` the row order of the file
        does not choose which of a worker's repeated answers counts."""
        n = self.n_annotations
        if n == 0:
            return self
        key = self.task.astype(np.int64) * max(self.n_workers, 1) + self.worker
        order = np.lexsort((np.arange(n), self.label, key))  # by pair, then label, then row
        k, lab = key[order], self.label[order]
        starts = np.flatnonzero(np.r_[True, (k[1:] != k[:-1]) | (lab[1:] != lab[:-1])])
        counts = np.diff(np.r_[starts, n])
        runs = np.lexsort((lab[starts], -counts, k[starts]))  # per pair: most labels first, then lowest class
        run_key = k[starts][runs]
        chosen = runs[np.r_[True, run_key[1:] != run_key[:-1]]]
        return self.select(np.sort(order[starts[chosen]]))

    def select(self, rows: npt.NDArray[np.bool_] | IntArray) -> Annotations:
        """A new ``Annotations`` holding only ``rows`` (mask or indices); the vocabularies are kept."""

        def take(column: npt.NDArray[Any] | None) -> npt.NDArray[Any] | None:
            return None if column is None else column[rows]

        return Annotations(
            task=self.task[rows],
            worker=self.worker[rows],
            label=self.label[rows],
            tasks=self.tasks,
            workers=self.workers,
            classes=self.classes,
            duration_s=take(self.duration_s),
            started_at=take(self.started_at),
            submitted_at=take(self.submitted_at),
        )

    def deduplicated(self, policy: DuplicatePolicy) -> Annotations:
        """Apply a duplicate policy: keep every row, keep the first or last of each (task, worker) pair.

        ``"error"`` raises :class:`InvalidInputError` naming the first repeated pair.
        """
        if policy == "keep":
            return self
        if policy == "error":
            mask = self.duplicate_mask(keep="first")
            if mask.any():
                i = int(np.flatnonzero(mask)[0])
                raise InvalidInputError(
                    "one label per (task, worker) pair (use --duplicates keep|first|last to accept repeats)",
                    got=f"a repeat of task {self.tasks[self.task[i]]!r} by worker {self.workers[self.worker[i]]!r}",
                )
            return self
        return self.select(~self.duplicate_mask(keep=policy))

    def with_classes(self, classes: Sequence[str]) -> Annotations:
        """The same annotations over a class list that contains every current class (recoded as needed)."""
        lookup = {name: i for i, name in enumerate(classes)}
        missing = [c for c in self.classes if c not in lookup]
        if missing:
            raise InvalidInputError(f"a label in {list(classes)}", column="label", got=repr(missing[0]))
        recode = np.array([lookup[c] for c in self.classes], dtype=np.intp)
        return Annotations(
            task=self.task,
            worker=self.worker,
            label=recode[self.label] if len(recode) else self.label,
            tasks=self.tasks,
            workers=self.workers,
            classes=tuple(classes),
            duration_s=self.duration_s,
            started_at=self.started_at,
            submitted_at=self.submitted_at,
        )

    def median_duration_s(self) -> float | None:
        """Median seconds on task over annotations whose duration is known; None when none is."""
        if self.duration_s is None:
            return None
        known = self.duration_s[~np.isnan(self.duration_s)]
        return float(np.median(known)) if len(known) else None


def encode_first_seen(names: npt.NDArray[Any]) -> tuple[tuple[str, ...], IntArray]:
    """Vocabulary in order of first appearance and the codes of ``names`` into it (vectorised)."""
    if len(names) == 0:
        return (), np.empty(0, dtype=np.intp)
    uniques, first, inverse = np.unique(names, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return tuple(str(x) for x in uniques[order]), rank[inverse.reshape(-1)].astype(np.intp)


@dataclass(frozen=True, slots=True)
class Gold:
    """Known true classes (honeypots) for some tasks, coded into an ``Annotations``' vocabularies.

    ``author`` (n_gold,), where known: the worker whose own annotation was made the task's gold (a Label
    Studio ``ground_truth`` annotation), else -1; that worker is not scored against their own answer.
    """

    task: IntArray  # shape (n_gold,), indices into Annotations.tasks, each task at most once
    label: IntArray  # shape (n_gold,), indices into Annotations.classes
    author: IntArray | None = None  # shape (n_gold,), indices into Annotations.workers or -1

    def __post_init__(self) -> None:
        object.__setattr__(self, "task", frozen_array(self.task, np.intp))
        object.__setattr__(self, "label", frozen_array(self.label, np.intp))
        if self.author is not None:
            object.__setattr__(self, "author", frozen_array(self.author, np.intp))
        if self.task.shape != self.label.shape or (
            self.author is not None and self.author.shape != self.task.shape
        ):
            raise InvalidInputError("one gold label per gold task")
        if len(np.unique(self.task)) != len(self.task):
            raise InvalidInputError("at most one gold label per task")
        # a negative code would index from the end (numpy): the last task or class, silently
        for column, codes, least in (
            ("task", self.task, 0),
            ("label", self.label, 0),
            ("author", self.author, -1),
        ):
            if codes is not None and len(codes) and int(codes.min()) < least:
                raise InvalidInputError(
                    f"gold {column} codes of at least {least} (indices into the vocabularies)",
                    column=column,
                    got=str(int(codes.min())),
                )

    def __len__(self) -> int:
        return len(self.task)

    @classmethod
    def from_names(cls, annotations: Annotations, *, task: Sequence[str], label: Sequence[str]) -> Gold:
        """Code gold given by names; every task must be in the batch and every label one of its classes."""
        task_lookup = {name: i for i, name in enumerate(annotations.tasks)}
        class_lookup = {name: i for i, name in enumerate(annotations.classes)}
        task_codes = np.empty(len(task), dtype=np.intp)
        label_codes = np.empty(len(label), dtype=np.intp)
        for i, (t, y) in enumerate(zip(task, label, strict=True)):
            if t not in task_lookup:
                raise InvalidInputError("gold for a task of this batch", column="task", got=repr(t))
            if y not in class_lookup:
                raise InvalidInputError(
                    f"a label in {list(annotations.classes)}", column="label", got=repr(y)
                )
            task_codes[i], label_codes[i] = task_lookup[t], class_lookup[y]
        return cls(task=task_codes, label=label_codes)

    def labelled(self, annotations: Annotations) -> Gold:
        """This gold on the tasks that have at least one label in ``annotations``: a task nobody labelled has
        no consensus to check, so its gold can neither anchor a fit nor count as a right or wrong check."""
        keep = np.bincount(annotations.task, minlength=annotations.n_tasks)[self.task] > 0
        if keep.all():
            return self
        author = None if self.author is None else self.author[keep]
        return Gold(task=self.task[keep], label=self.label[keep], author=author)

    def as_dense(self, n_tasks: int) -> IntArray:
        """Gold class per task, shape (n_tasks,), -1 where the task has no gold."""
        dense = np.full(n_tasks, -1, dtype=np.intp)
        dense[self.task] = self.label
        return dense

    def authors_dense(self, n_tasks: int) -> IntArray:
        """The worker who authored each task's gold, shape (n_tasks,), -1 where none did (or no gold)."""
        dense = np.full(n_tasks, -1, dtype=np.intp)
        if self.author is not None:
            dense[self.task] = self.author
        return dense


@dataclass(frozen=True, slots=True)
class TaskPayloads:
    """What each task shows the worker (text and other fields), for ethics audits and reports.

    ``fields[name][i]`` is the value of field ``name`` for task ``task[i]``; None where absent.
    """

    task: tuple[str, ...]
    fields: Mapping[str, tuple[str | None, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, values in self.fields.items():
            if len(values) != len(self.task):
                raise InvalidInputError(f"one value per task ({len(self.task)}) in field {name!r}")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __len__(self) -> int:
        return len(self.task)

    @property
    def n_bytes(self) -> int:
        """Total UTF-8 size of the text fields (for throughput figures)."""
        return sum(len(v.encode()) for values in self.fields.values() for v in values if v is not None)


def is_missing(value: object) -> bool:
    """True for None and float NaN (how columnar readers spell an empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
