"""Read rubric and Likert ratings from CSV, TSV, Parquet, JSON Lines, JSON or a Label Studio ``Rating`` export.

Two shapes: long ``task, worker, criterion, score`` (recognised by ``criterion`` and ``score``) and wide
``task, worker, <criterion>...`` (every other column a criterion, unless ``scales`` names them; identifiers
such as ``id``, ``row_id`` or an unused task or worker alias are not criteria). A blank
score in the wide shape is a criterion the worker did not rate. With ``scales`` (the contract's
``ratings.scales``) a score outside its criterion's range, or a criterion the contract does not know, is an
error naming the line and column; without them each criterion's observed range is its scale.
``submitted_at`` (or ``created_at``), when present, dates each rating for drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from labelpact.core.ratings import Ratings
from labelpact.errors import InvalidInputError
from labelpact.io.column import decode_times, fail_at
from labelpact.io.deliverable_table import Read, coded_column, number_column, pick_columns, read_table
from labelpact.io.limits import DEFAULT_LIMITS, Limits
from labelpact.io.source import Source

__all__ = ["RatingDelivery", "read_ratings"]

TASK = ("task", "item", "id", "prompt_id")
WORKER = ("worker", "annotator", "completed_by", "rater")
_META = frozenset(
    {"duration_s", "lead_time", "duration", "started_at", "submitted_at", "created_at", "updated_at", "order"}
)
_META |= frozenset({"annotation_id", "comment", "text", "prompt", "response"})


@dataclass(frozen=True, slots=True)
class RatingDelivery:
    """Ratings read from one file, with what reading found."""

    ratings: Ratings
    read: Read


def read_ratings(
    path: str | Path,
    *,
    scales: Mapping[str, tuple[float, float]] | None = None,
    task_column: str | None = None,
    worker_column: str | None = None,
    format: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> RatingDelivery:
    """Read and check a ratings file (long or wide) against ``scales`` (criterion -> (min, max)) when given."""
    source = read_table(path, kind="ratings", format=format, limits=limits)
    roles = pick_columns(
        source,
        {"task": TASK, "worker": WORKER, "submitted_at": ("submitted_at", "created_at")},
        required=("task", "worker"),
        explicit={"task": task_column, "worker": worker_column},
    )
    names = source.table.column_names
    long = "criterion" in names and "score" in names
    if long:
        criterion_codes, criterion_names, score, row = _long(source)
        columns = {**roles, "criterion": "criterion", "score": "score"}
    else:
        criteria = _wide_criteria(source, roles, scales)
        criterion_codes, criterion_names, score, row = _wide(source, criteria)
        columns = {**roles, "criteria": ", ".join(criteria)}
    task = coded_column(source, roles["task"])
    worker = coded_column(source, roles["worker"])
    order = None
    if "submitted_at" in roles:
        when = decode_times(
            source.table[roles["submitted_at"]],
            file=source.path,
            name=roles["submitted_at"],
            locate=source.locate,
        )
        order = when.astype("datetime64[ms]").astype(np.float64)[row] / 1000.0
        order[np.isnat(when[row])] = np.nan
    codes, vocab, bounds = _criteria(source, criterion_codes, criterion_names, score, row, scales)
    ratings = Ratings(
        task=task.codes[row].astype(np.intp),
        worker=worker.codes[row].astype(np.intp),
        criterion=codes,
        score=score,
        tasks=tuple(task.names),
        workers=tuple(worker.names),
        criteria=vocab,
        scales=bounds,
        order=order,
    )
    notes = () if long else (f"wide shape: criteria {', '.join(vocab)}",)
    return RatingDelivery(
        ratings, Read(source.path, source.format, source.table.num_rows, MappingProxyType(columns), notes)
    )


def _long(
    source: Source,
) -> tuple[npt.NDArray[np.intp], list[str], npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Criterion codes, names, scores and source rows of the long shape; a blank score is an error."""
    crit = coded_column(source, "criterion")
    score = number_column(source, "score", what="a score (a number)")
    blank = np.flatnonzero(np.isnan(score))
    if len(blank):
        raise fail_at(
            source.locate, int(blank[0]), "a score", file=source.path, column="score", got="a blank cell"
        )
    return crit.codes.astype(np.intp), crit.names, score, np.arange(len(score), dtype=np.intp)


def _identifier(name: str) -> bool:
    """A column that names something (a row id, another task or worker alias), never a criterion's score."""
    key = name.strip().lower()
    return key in TASK or key in WORKER or key in ("uuid", "row") or key.endswith(("_id", "_uuid"))


def _wide_criteria(
    source: Source, roles: Mapping[str, str], scales: Mapping[str, tuple[float, float]] | None
) -> list[str]:
    names = source.table.column_names
    others = [n for n in names if n not in set(roles.values()) and n not in _META and not _identifier(n)]
    if scales is not None:
        missing = [c for c in scales if c not in names]
        present = [c for c in scales if c in names]
        unknown = [n for n in others if n not in scales]
        if not present or (missing and unknown):  # a criterion missing beside a column nobody reads: a typo
            raise InvalidInputError(
                f"a column per criterion of the contract ({', '.join(scales)})",
                file=source.path,
                row=1,
                got=f"missing {', '.join(map(repr, missing))}"
                + (f"; unknown column {', '.join(map(repr, unknown))}" if unknown else ""),
            )
        return present
    criteria = others
    if not criteria:
        raise InvalidInputError(
            "columns criterion and score, or one column per criterion",
            file=source.path,
            row=1,
            got=f"only the columns {names}",
        )
    return criteria


def _wide(
    source: Source, criteria: list[str]
) -> tuple[npt.NDArray[np.intp], list[str], npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """Melt the criterion columns: one rating per non-blank cell, in row order then criterion order."""
    n = source.table.num_rows
    values = np.stack([number_column(source, c, what="a score (a number)") for c in criteria], axis=1)
    rated = ~np.isnan(values)
    if not rated.any():
        raise InvalidInputError("at least one score", file=source.path, got="every score cell blank")
    row, crit = np.nonzero(rated)
    del n
    return crit.astype(np.intp), list(criteria), values[row, crit], row.astype(np.intp)


def _criteria(
    source: Source,
    codes: npt.NDArray[np.intp],
    names: list[str],
    score: npt.NDArray[np.float64],
    row: npt.NDArray[np.intp],
    scales: Mapping[str, tuple[float, float]] | None,
) -> tuple[npt.NDArray[np.intp], tuple[str, ...], tuple[tuple[float, float], ...]]:
    """Criterion codes into the contract's criteria (scales checked) or the observed ones (observed ranges)."""
    if scales is None:
        lo = np.full(len(names), np.inf)
        hi = np.full(len(names), -np.inf)
        np.minimum.at(lo, codes, score)
        np.maximum.at(hi, codes, score)
        bounds = tuple((float(a), float(b) if b > a else float(a) + 1.0) for a, b in zip(lo, hi, strict=True))
        return codes, tuple(names), bounds
    vocab = tuple(scales)
    lookup = np.array([vocab.index(n) if n in vocab else -1 for n in names], dtype=np.intp)
    mapped = lookup[codes]
    unknown = np.flatnonzero(mapped < 0)
    if len(unknown):
        i = int(unknown[0])
        raise fail_at(
            source.locate,
            int(row[i]),
            f"a criterion of the contract ({', '.join(vocab)})",
            file=source.path,
            column="criterion",
            got=repr(names[codes[i]]),
        )
    lows = np.array([lo for lo, _ in scales.values()], dtype=np.float64)[mapped]
    highs = np.array([hi for _, hi in scales.values()], dtype=np.float64)[mapped]
    outside = np.flatnonzero((score < lows) | (score > highs))
    if len(outside):
        i = int(outside[0])
        k = vocab[mapped[i]]
        column = "score" if "score" in source.table.column_names else k
        raise fail_at(
            source.locate,
            int(row[i]),
            f"a score from {scales[k][0]:g} to {scales[k][1]:g} for {k!r}",
            file=source.path,
            column=column,
            got=f"{score[i]:g}",
        )
    return mapped, vocab, tuple((float(a), float(b)) for a, b in scales.values())
