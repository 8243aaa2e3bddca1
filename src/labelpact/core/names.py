"""Columns of names as text: every value coded by its text, with missing values and clashes refused.

The estimators code tasks, workers and classes by their text, so a missing value (``None``, ``NaN``) would
become a name ("None", "nan") and two values with the same text (``1`` and ``"1"``) would be merged into one.
Both are refused here, naming the column and the first row, as the file readers and ``labelpact.frames`` do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError

__all__ = ["name_array"]

_MISSING_TEXT = ("None", "nan", "NaN", "<NA>", "NaT")  # what str() makes of a missing value


def name_array(values: Any, column: str) -> npt.NDArray[np.str_]:
    """``values`` (a sequence or 1-D array) as an array of their texts, (n,); InvalidInputError naming ``column``
    and the row of a missing value, or two distinct values whose texts are equal."""
    raw = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if raw.ndim != 1:
        raise InvalidInputError("a 1-D column of names", column=column, got=f"shape {raw.shape}")
    if raw.dtype.kind in "US":  # text already: nothing is missing, nothing can clash
        return raw.astype(str)
    if raw.dtype.kind == "f":
        bad = np.flatnonzero(np.isnan(raw))
        if len(bad):
            raise InvalidInputError(
                "a value in every row", column=column, row=int(bad[0]), got="NaN", unit="index"
            )
    text = raw.astype(str)
    if raw.dtype.kind == "O":
        _refuse_missing(raw, text, column)
        distinct = list(dict.fromkeys(raw.tolist()))  # by value: 1 and 1.0 are one, 1 and "1" are two
        texts = [str(v) for v in distinct]
        if len(set(texts)) < len(texts):
            seen: dict[str, Any] = {}
            for value, shown in zip(distinct, texts, strict=True):
                if shown in seen:
                    raise InvalidInputError(
                        f"{column} values that stay distinct as text",
                        column=column,
                        got=f"{seen[shown]!r} and {value!r}",
                    )
                seen[shown] = value
        if len(np.unique(text)) > len(distinct):
            _refuse_two_texts(raw, text, column)
    return text


def _refuse_two_texts(raw: npt.NDArray[Any], text: npt.NDArray[np.str_], column: str) -> None:
    """Refuse the first row whose value equals an earlier one with another text (1 and 1.0, True and 1):
    one value, two names, where a file reader would see two values; which one is meant is unclear."""
    values, shown = raw.tolist(), text.tolist()
    first = dict(zip(reversed(values), reversed(shown), strict=True))  # each value's first text
    canonical = np.asarray(list(map(first.__getitem__, values)), dtype=np.str_)
    row = int(np.flatnonzero(canonical != text)[0])
    raise InvalidInputError(
        f"{column} values that are equal only with equal texts",
        column=column,
        row=row,
        got=f"{first[values[row]]} and {shown[row]}",
        unit="index",
    )


def _refuse_missing(raw: npt.NDArray[Any], text: npt.NDArray[np.str_], column: str) -> None:
    """Refuse the first row whose value is missing (None, a float NaN, pandas' NA or NaT), not the text 'nan'."""
    candidates = np.flatnonzero(np.isin(text, _MISSING_TEXT))
    for row in candidates.tolist():
        value = raw[row]
        if not isinstance(value, str):
            raise InvalidInputError(
                "a value in every row", column=column, row=int(row), got=repr(value), unit="index"
            )
