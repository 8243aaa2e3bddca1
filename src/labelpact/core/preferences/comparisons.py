"""The data contract for pairwise preferences: integer-coded comparisons with ties.

A comparison is one worker's choice between two items (responses, models, arguments) shown for one
task (a prompt or comparison id). Names live only in the vocabularies, as in ``Annotations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray, encode_first_seen, frozen_array
from labelpact.errors import InvalidInputError

__all__ = ["CHOICES", "LEFT", "RIGHT", "TIE", "Comparisons", "Units", "distinct_rows"]

LEFT: Final = 0
RIGHT: Final = 1
TIE: Final = 2
CHOICES: Final = ("left", "right", "tie")


def _encode(names: npt.NDArray[Any], vocab: Sequence[str] | None = None) -> tuple[tuple[str, ...], IntArray]:
    """Vocabulary (first-seen order unless given) and the codes of ``names``."""
    if vocab is None:
        return encode_first_seen(names)
    lookup = {name: i for i, name in enumerate(vocab)}
    uniq, codes = np.unique(names, return_inverse=True)
    missing = [str(x) for x in uniq if str(x) not in lookup]
    if missing:
        raise InvalidInputError(f"a name in the declared vocabulary of {len(vocab)}", got=repr(missing[0]))
    mapped = np.array([lookup[str(x)] for x in uniq], dtype=np.intp)
    return tuple(vocab), mapped[codes.reshape(-1)]


def distinct_rows(*columns: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """The distinct rows of parallel integer ``columns`` (each of shape (n,)): the index of each one's first
    occurrence (shape (n_distinct,), in the rows' sorted order, first column first) and each row's number (n,).

    Sorting the columns together never collides, unlike packing them into one int64 key: a (task, item,
    item) key passes 2**63 at n_tasks * n_items**2, about a million prompt, chosen, rejected rows.
    """
    cols = [np.asarray(col) for col in columns]
    n = len(cols[0])
    order = np.lexsort(cols[::-1])  # stable, so the first of each run is the first occurrence
    new = np.zeros(n, dtype=bool)
    new[:1] = True
    for col in cols:  # a loop over the columns, never over rows
        ordered = col[order]
        new[1:] |= ordered[1:] != ordered[:-1]
    number = np.empty(n, dtype=np.intp)
    number[order] = np.cumsum(new) - 1
    return order[new].astype(np.intp), number


@dataclass(frozen=True, slots=True)
class Units:
    """Distinct comparison units (task, low item, high item), the two items ordered by name, so neither the
    side they were shown on, nor the row order, nor the item codes decide which is "low".

    ``unit[i]`` is comparison ``i``'s unit; ``outcome[i]`` is 0 when the low item won, 1 for a tie and
    2 when the high item won (an ordinal scale, so alpha can be ordinal). Arrays of units have shape (n_units,).
    """

    unit: IntArray
    outcome: IntArray
    task: IntArray
    low: IntArray
    high: IntArray

    @property
    def n_units(self) -> int:
        return len(self.task)


@dataclass(frozen=True, slots=True)
class Comparisons:
    """Worker ``worker[i]`` saw items ``left[i]`` and ``right[i]`` for task ``task[i]`` and chose ``choice[i]``.

    ``choice`` holds ``LEFT`` (0), ``RIGHT`` (1) or ``TIE`` (2); ``duration_s`` is seconds on the
    comparison (NaN where unknown). All arrays have shape (n_comparisons,).
    """

    task: IntArray
    worker: IntArray
    left: IntArray
    right: IntArray
    choice: IntArray
    tasks: tuple[str, ...]
    workers: tuple[str, ...]
    items: tuple[str, ...]
    duration_s: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.task)
        for name in ("task", "worker", "left", "right", "choice"):
            object.__setattr__(self, name, frozen_array(getattr(self, name), np.intp))
        sizes = {"task": len(self.tasks), "worker": len(self.workers), "left": len(self.items)}
        sizes |= {"right": len(self.items), "choice": 3}
        for name, size in sizes.items():
            codes = getattr(self, name)
            if codes.shape != (n,):
                raise InvalidInputError(f"one value per comparison ({n}) in column {name!r}")
            if n and (codes.min() < 0 or codes.max() >= size):
                raise InvalidInputError(f"codes in {name!r} that index its vocabulary of {size} names")
        if n and np.any(self.left == self.right):
            row = int(np.flatnonzero(self.left == self.right)[0])
            raise InvalidInputError(
                "two different items in 'left' and 'right'",
                row=row + 1,
                unit="comparison",
                got="the same item",
            )
        if self.duration_s is not None:
            object.__setattr__(self, "duration_s", frozen_array(self.duration_s, np.float64))
            if self.duration_s.shape != (n,):
                raise InvalidInputError(f"one value per comparison ({n}) in column 'duration_s'")

    @classmethod
    def from_columns(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        left: Sequence[Any] | npt.ArrayLike,
        right: Sequence[Any] | npt.ArrayLike,
        choice: Sequence[Any] | npt.ArrayLike,
        duration_s: npt.ArrayLike | None = None,
        items: Sequence[str] | None = None,
    ) -> Comparisons:
        """Build from parallel columns of names; ``choice`` is ``left``, ``right`` or ``tie`` (any case).

        Tasks, workers and items keep their order of first appearance unless ``items`` is given.
        """
        columns = {
            name: np.asarray(values, dtype=object).astype(str)
            for name, values in (("task", task), ("worker", worker), ("left", left), ("right", right))
        }
        choices = np.char.lower(np.char.strip(np.asarray(choice, dtype=object).astype(str)))
        n = len(columns["task"])
        if any(len(v) != n for v in columns.values()) or len(choices) != n:
            raise InvalidInputError("task, worker, left, right and choice columns of the same length")
        bad = ~np.isin(choices, CHOICES)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                "one of left, right, tie",
                row=row + 1,
                unit="comparison",
                column="choice",
                got=repr(str(choices[row])),
            )
        tasks, task_codes = _encode(columns["task"])
        workers, worker_codes = _encode(columns["worker"])
        both = np.concatenate([columns["left"], columns["right"]])
        vocab, item_codes = _encode(both, items)
        choice_codes = np.select([choices == "left", choices == "right"], [LEFT, RIGHT], TIE).astype(np.intp)
        return cls(
            task=task_codes,
            worker=worker_codes,
            left=item_codes[:n],
            right=item_codes[n:],
            choice=choice_codes,
            tasks=tasks,
            workers=workers,
            items=vocab,
            duration_s=None if duration_s is None else np.asarray(duration_s, dtype=np.float64),
        )

    @classmethod
    def from_chosen_rejected(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        chosen: Sequence[Any] | npt.ArrayLike,
        rejected: Sequence[Any] | npt.ArrayLike,
        random_state: int | np.random.Generator | None = 0,
    ) -> Comparisons:
        """Build from the ``prompt, chosen, rejected`` shape (no ties, display side unknown).

        The side each item was shown on is not recorded, so the pair is oriented at random
        (seeded): position-bias statistics on such data measure nothing and say so by staying near 0.5.
        """
        first = np.asarray(chosen, dtype=object).astype(str)
        second = np.asarray(rejected, dtype=object).astype(str)
        if len(first) != len(second):
            raise InvalidInputError("chosen and rejected columns of the same length")
        flip = np.random.default_rng(random_state).random(len(first)) < 0.5
        return cls.from_columns(
            task=task,
            worker=worker,
            left=np.where(flip, second, first),
            right=np.where(flip, first, second),
            choice=np.where(flip, "right", "left"),
        )

    @classmethod
    def from_winner(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        response_a: Sequence[Any] | npt.ArrayLike,
        response_b: Sequence[Any] | npt.ArrayLike,
        winner: Sequence[Any] | npt.ArrayLike,
        a: str = "model_a",
        b: str = "model_b",
        ties: Sequence[str] = ("tie", "tie (bothbad)"),
    ) -> Comparisons:
        """Build from the ``response_a, response_b, winner`` shape (Chatbot Arena style): A is shown left.

        ``winner`` names ``a`` or ``b`` or one of ``ties`` (case-insensitive); anything else is an error.
        """
        won = np.char.lower(np.char.strip(np.asarray(winner, dtype=object).astype(str)))
        tie_names = [t.lower() for t in ties]
        known = (won == a.lower()) | (won == b.lower()) | np.isin(won, tie_names)
        if not known.all():
            row = int(np.flatnonzero(~known)[0])
            raise InvalidInputError(
                f"a winner in {[a, b, *ties]}",
                row=row + 1,
                unit="comparison",
                column="winner",
                got=repr(str(won[row])),
            )
        choice = np.where(won == a.lower(), "left", np.where(won == b.lower(), "right", "tie"))
        return cls.from_columns(task=task, worker=worker, left=response_a, right=response_b, choice=choice)

    @property
    def n_comparisons(self) -> int:
        return len(self.task)

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_items(self) -> int:
        return len(self.items)

    def subset(self, mask: npt.ArrayLike) -> Comparisons:
        """The comparisons where ``mask`` (boolean, shape (n_comparisons,)) is true, same vocabularies."""
        keep = np.asarray(mask, dtype=bool)
        return Comparisons(
            task=self.task[keep],
            worker=self.worker[keep],
            left=self.left[keep],
            right=self.right[keep],
            choice=self.choice[keep],
            tasks=self.tasks,
            workers=self.workers,
            items=self.items,
            duration_s=None if self.duration_s is None else self.duration_s[keep],
        )

    def units(self) -> Units:
        """Group comparisons into orientation-free units (task, low item, high item); low sorts first by name."""
        rank = np.empty(self.n_items, dtype=np.int64)
        rank[np.argsort(np.asarray(self.items, dtype=str), kind="stable")] = np.arange(self.n_items)
        swapped = rank[self.left] > rank[self.right]  # low item shown on the right
        low = np.where(swapped, self.right, self.left)
        high = np.where(swapped, self.left, self.right)
        first, unit = distinct_rows(self.task, low, high)
        low_won = np.where(swapped, self.choice == RIGHT, self.choice == LEFT)
        outcome = np.where(self.choice == TIE, 1, np.where(low_won, 0, 2)).astype(np.intp)
        return Units(unit=unit, outcome=outcome, task=self.task[first], low=low[first], high=high[first])
