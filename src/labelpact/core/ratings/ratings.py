"""The data contract for rubric and Likert ratings: one integer-coded row per (task, worker, criterion)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray, encode_first_seen, frozen_array
from labelpact.errors import InvalidInputError

__all__ = ["Ratings"]


@dataclass(frozen=True, slots=True)
class Ratings:
    """Worker ``worker[i]`` scored task ``task[i]`` on criterion ``criterion[i]`` with ``score[i]``.

    ``scales[k]`` is criterion k's declared (min, max); ``order`` (seconds or any increasing number,
    NaN where unknown) dates each rating for drift. Arrays have shape (n_ratings,).
    """

    task: IntArray
    worker: IntArray
    criterion: IntArray
    score: FloatArray
    tasks: tuple[str, ...]
    workers: tuple[str, ...]
    criteria: tuple[str, ...]
    scales: tuple[tuple[float, float], ...]
    order: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.task)
        for name in ("task", "worker", "criterion"):
            object.__setattr__(self, name, frozen_array(getattr(self, name), np.intp))
        object.__setattr__(self, "score", frozen_array(self.score, np.float64))
        sizes = {"task": len(self.tasks), "worker": len(self.workers), "criterion": len(self.criteria)}
        for name, size in sizes.items():
            codes = getattr(self, name)
            if codes.shape != (n,):
                raise InvalidInputError(f"one value per rating ({n}) in column {name!r}")
            if n and (codes.min() < 0 or codes.max() >= size):
                raise InvalidInputError(f"codes in {name!r} that index its vocabulary of {size} names")
        if self.score.shape != (n,) or not np.all(np.isfinite(self.score)):
            raise InvalidInputError(f"one finite score per rating ({n})", column="score")
        if len(self.scales) != len(self.criteria) or any(not lo < hi for lo, hi in self.scales):
            raise InvalidInputError("one (min, max) scale with min < max per criterion", column="scales")
        lows = np.array([lo for lo, _ in self.scales])[self.criterion]
        highs = np.array([hi for _, hi in self.scales])[self.criterion]
        outside = (self.score < lows) | (self.score > highs)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            k = int(self.criterion[i])
            raise InvalidInputError(
                f"a score in [{self.scales[k][0]:g}, {self.scales[k][1]:g}] for {self.criteria[k]!r}",
                row=i + 1,
                unit="rating",
                column="score",
                got=f"{self.score[i]:g}",
            )
        if self.order is not None:
            object.__setattr__(self, "order", frozen_array(self.order, np.float64))
            if self.order.shape != (n,):
                raise InvalidInputError(f"one value per rating ({n}) in column 'order'")

    @classmethod
    def from_columns(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        criterion: Sequence[Any] | npt.ArrayLike,
        score: npt.ArrayLike,
        scales: Mapping[str, tuple[float, float]] | None = None,
        order: npt.ArrayLike | None = None,
    ) -> Ratings:
        """Build from long columns of names; ``scales`` maps each criterion to its (min, max).

        Without ``scales`` each criterion's observed range is used (declare it in the contract instead:
        a rater who never uses the top of the scale is invisible otherwise).
        """
        t = np.asarray(task, dtype=object).astype(str)
        w = np.asarray(worker, dtype=object).astype(str)
        k = np.asarray(criterion, dtype=object).astype(str)
        s = np.asarray(score, dtype=np.float64)
        if not (len(t) == len(w) == len(k) == len(s)):
            raise InvalidInputError("task, worker, criterion and score columns of the same length")
        tasks, task_codes = encode_first_seen(t)
        workers, worker_codes = encode_first_seen(w)
        if scales is not None:
            criteria = tuple(scales)
            lookup = {name: i for i, name in enumerate(criteria)}
            unknown = [x for x in dict.fromkeys(k.tolist()) if x not in lookup]
            if unknown:
                raise InvalidInputError(
                    f"a criterion in {list(criteria)}", column="criterion", got=repr(unknown[0])
                )
            crit_codes = np.array([lookup[x] for x in k.tolist()], dtype=np.intp)
            bounds = tuple((float(lo), float(hi)) for lo, hi in scales.values())
        else:
            criteria, crit_codes = encode_first_seen(k)
            lo = np.full(len(criteria), np.inf)
            hi = np.full(len(criteria), -np.inf)
            np.minimum.at(lo, crit_codes, s)
            np.maximum.at(hi, crit_codes, s)
            bounds = tuple(
                (float(a), float(b) if b > a else float(a) + 1.0) for a, b in zip(lo, hi, strict=True)
            )
        return cls(
            task=task_codes,
            worker=worker_codes,
            criterion=crit_codes,
            score=s,
            tasks=tasks,
            workers=workers,
            criteria=criteria,
            scales=bounds,
            order=None if order is None else np.asarray(order, dtype=np.float64),
        )

    @property
    def n_ratings(self) -> int:
        return len(self.task)

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    def criterion_code(self, criterion: str) -> int:
        """The code of ``criterion``; ``InvalidInputError`` naming the known criteria otherwise."""
        if criterion not in self.criteria:
            raise InvalidInputError(f"a criterion in {list(self.criteria)}", got=repr(criterion))
        return self.criteria.index(criterion)
