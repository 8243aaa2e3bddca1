"""Columns of names given to the Python API: a missing value or two values with one text are refused by
column and position, as the file readers refuse them, instead of becoming a class 'nan' or one merged task."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.aggregators import MajorityVote
from labelpact.core.annotations import Annotations
from labelpact.core.names import name_array
from labelpact.errors import InvalidInputError


@pytest.mark.parametrize(
    ("column", "columns", "got"),
    [
        ("worker", {"worker": ["a", None, "a", "b"]}, "None"),
        ("label", {"label": ["x", np.nan, "y", "y"]}, "nan"),
        ("task", {"task": np.array([1.0, np.nan, 2.0, 2.0])}, "NaN"),
    ],
)
def test_a_missing_name_is_refused_with_its_column_and_position(
    column: str, columns: dict[str, object], got: str
) -> None:
    given = {"task": [1, 1, 2, 2], "worker": ["a", "b", "a", "b"], "label": ["x", "x", "y", "y"], **columns}
    with pytest.raises(InvalidInputError) as caught:
        Annotations.from_columns(**given)  # type: ignore[arg-type]
    assert (caught.value.column, caught.value.row, caught.value.got) == (column, 1, got)
    assert str(caught.value).startswith(f"index 1, column {column!r}: expected a value in every row")


def test_values_whose_text_is_equal_are_not_merged() -> None:
    with pytest.raises(InvalidInputError, match="task values that stay distinct as text, got 1 and '1'"):
        Annotations.from_columns(task=[1, "1"], worker=["a", "b"], label=["x", "x"])


def test_the_text_nan_is_a_name_and_ordinary_columns_pass() -> None:
    a = Annotations.from_columns(task=[1, 1, 2], worker=["a", "b", "a"], label=["nan", "nan", "x"])
    assert a.classes == ("nan", "x") and a.tasks == ("1", "2")
    assert MajorityVote().fit(a).labels_.tolist() == ["nan", "x"]
    assert name_array(np.array(["p", "q"]), "label").tolist() == ["p", "q"]
    assert name_array(np.arange(3), "task").tolist() == ["0", "1", "2"]
