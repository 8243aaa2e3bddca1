"""Column decoding against plain-Python references: codes, first-appearance order, blanks, times."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.errors import InvalidInputError
from labelpact.io import column
from labelpact.io.source import Location

cells = st.lists(
    st.one_of(st.none(), st.sampled_from(["a", " a", "b ", " ", "", "0001", "1", "10", "é"])), max_size=60
)


@settings(max_examples=80, deadline=None)
@given(values=cells, cut=st.integers(0, 60))
def test_encode_matches_python(values: list[str | None], cut: int) -> None:
    cut = min(cut, len(values))
    chunks = [pa.array(values[:cut], type=pa.string()), pa.array(values[cut:], type=pa.string())]
    coded = column.encode(pa.chunked_array(chunks, type=pa.string()), file=Path("f.csv"), name="x")
    stripped = [v.strip() if v is not None and v.strip() else None for v in values]
    assert coded.names == list(dict.fromkeys(v for v in stripped if v is not None))
    assert [coded.names[c] if c >= 0 else None for c in coded.codes] == stripped


def test_times_with_and_without_zones() -> None:
    text = pa.chunked_array(
        [["2026-11-25T20:07:29.254700Z", "2026-11-25 21:00:00", "2026-11-25T23:00:00+02:00", " ", None]]
    )
    times = column.decode_times(text, file=Path("f.csv"), name="t", locate=lambda i: Location("line", i + 2))
    expected = ["2026-11-25T20:07:29.254", "2026-11-25T21:00:00.000", "2026-11-25T21:00:00.000", "NaT", "NaT"]
    assert times.astype(str).tolist() == expected


def test_bad_time_found_by_bisection() -> None:
    values = ["2026-11-25T20:07:29Z"] * 1000
    values[737] = "25/11/2026"
    with pytest.raises(InvalidInputError, match=r"f.csv, line 739, column 't'.*'25/11/2026'"):
        column.decode_times(
            pa.chunked_array([values]), file=Path("f.csv"), name="t", locate=lambda i: Location("line", i + 2)
        )


def test_durations_allow_blanks_and_spaces() -> None:
    text = pa.chunked_array([["1.5", " 2 ", "", None, "0"]])
    seconds = column.decode_durations(
        text, file=Path("f.csv"), name="d", locate=lambda i: Location("line", i + 2)
    )
    np.testing.assert_array_equal(seconds, [1.5, 2.0, np.nan, np.nan, 0.0])
