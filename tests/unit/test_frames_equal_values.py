"""Values equal in Python but with other texts (1 and 1.0, True and 1) are refused, naming the pair and row,
from columns and from a DataFrame alike (the DataFrame path raised a raw IndexError, from_columns split them)."""

from __future__ import annotations

import pytest

import labelpact as lp
from labelpact.core.annotations import Annotations
from labelpact.errors import InvalidInputError

pd = pytest.importorskip("pandas")
pytest.importorskip("labelpact.frames")

CASES = [
    ({"task": [1, 1.0], "worker": ["a", "b"], "label": ["x", "y"]}, "task", "1 and 1.0"),
    ({"task": ["t", "u", "v"], "worker": ["a", "b", "c"], "label": [True, 1, 0]}, "label", "True and 1"),
]


@pytest.mark.parametrize(("columns", "column", "pair"), CASES)
def test_from_columns_refuses_one_value_with_two_texts(
    columns: dict[str, list[object]], column: str, pair: str
) -> None:
    with pytest.raises(InvalidInputError, match=pair) as caught:
        Annotations.from_columns(**columns)  # type: ignore[arg-type]
    assert caught.value.column == column and caught.value.row == 1


@pytest.mark.parametrize(("columns", "column", "pair"), CASES)
def test_a_frame_refuses_them_too(columns: dict[str, list[object]], column: str, pair: str) -> None:
    with pytest.raises(InvalidInputError, match=pair) as caught:
        lp.DawidSkene().fit(pd.DataFrame(columns, dtype=object))  # type: ignore[arg-type]
    assert caught.value.column == column


def test_equal_values_with_one_text_stay_one_name() -> None:
    a = Annotations.from_columns(task=[1, 1, 2], worker=["a", "b", "a"], label=["x", "x", "y"])
    assert a.tasks == ("1", "2")
