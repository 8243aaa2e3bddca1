"""The data contract for written demonstrations: one answer text per (task, worker), with timing signals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.core.annotations import FloatArray, IntArray, encode_first_seen, frozen_array
from labelpact.errors import InvalidInputError

__all__ = ["Demonstrations"]


@dataclass(frozen=True, slots=True)
class Demonstrations:
    """Worker ``worker[i]`` wrote ``text[i]`` for task ``task[i]``.

    Optional per-answer columns (NaN where unknown): ``duration_s`` seconds spent writing,
    ``paste_events`` paste actions the vendor's tool recorded, ``keystrokes`` keys typed.
    Arrays have shape (n_answers,).
    """

    task: IntArray
    worker: IntArray
    text: tuple[str, ...]
    tasks: tuple[str, ...]
    workers: tuple[str, ...]
    duration_s: FloatArray | None = None
    paste_events: FloatArray | None = None
    keystrokes: FloatArray | None = None

    def __post_init__(self) -> None:
        n = len(self.text)
        for name, size in (("task", len(self.tasks)), ("worker", len(self.workers))):
            codes = frozen_array(getattr(self, name), np.intp)
            object.__setattr__(self, name, codes)
            if codes.shape != (n,):
                raise InvalidInputError(f"one value per answer ({n}) in column {name!r}")
            if n and (codes.min() < 0 or codes.max() >= size):
                raise InvalidInputError(f"codes in {name!r} that index its vocabulary of {size} names")
        if not all(isinstance(t, str) for t in self.text):
            raise InvalidInputError("text as strings", column="text")
        for name in ("duration_s", "paste_events", "keystrokes"):
            value = getattr(self, name)
            if value is not None:
                value = frozen_array(value, np.float64)
                object.__setattr__(self, name, value)
                if value.shape != (n,):
                    raise InvalidInputError(f"one value per answer ({n}) in column {name!r}")

    @classmethod
    def from_columns(
        cls,
        *,
        task: Sequence[Any] | npt.ArrayLike,
        worker: Sequence[Any] | npt.ArrayLike,
        text: Sequence[str],
        duration_s: npt.ArrayLike | None = None,
        paste_events: npt.ArrayLike | None = None,
        keystrokes: npt.ArrayLike | None = None,
    ) -> Demonstrations:
        """Build from parallel columns; tasks and workers keep their order of first appearance."""
        t = np.asarray(task, dtype=object).astype(str)
        w = np.asarray(worker, dtype=object).astype(str)
        if not (len(t) == len(w) == len(text)):
            raise InvalidInputError("task, worker and text columns of the same length")
        tasks, task_codes = encode_first_seen(t)
        workers, worker_codes = encode_first_seen(w)
        return cls(
            task=task_codes,
            worker=worker_codes,
            text=tuple("" if x is None else str(x) for x in text),
            tasks=tasks,
            workers=workers,
            duration_s=None if duration_s is None else np.asarray(duration_s, dtype=np.float64),
            paste_events=None if paste_events is None else np.asarray(paste_events, dtype=np.float64),
            keystrokes=None if keystrokes is None else np.asarray(keystrokes, dtype=np.float64),
        )

    @property
    def n_answers(self) -> int:
        return len(self.text)

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)
