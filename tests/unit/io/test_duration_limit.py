"""Durations past one year are refused at reading (file, line, column) and by the pay API: no sum overflows."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import labelpact as lp
from labelpact.errors import InvalidInputError
from labelpact.ethics import pay
from labelpact.io import column
from labelpact.io.source import Location


def _decode(values: list[str]) -> np.ndarray:
    return column.decode_durations(
        pa.chunked_array([values]),
        file=Path("big.csv"),
        name="duration_s",
        locate=lambda i: Location("line", i + 2),
    )


def test_the_reader_and_the_pay_api_share_one_bound() -> None:
    assert column.MAX_DURATION_S == pay.MAX_DURATION_S == 365 * 24 * 3600


def test_a_duration_of_1e308_seconds_is_refused_at_its_line() -> None:
    with pytest.raises(InvalidInputError, match=r"big.csv, line 3, column 'duration_s'.*one year.*1e\+308"):
        _decode(["60", "1e308", "5"])


def test_a_duration_of_exactly_one_year_is_read() -> None:
    np.testing.assert_array_equal(_decode(["31536000", "0"]), [31_536_000.0, 0.0])


def test_pay_refuses_durations_whose_sum_would_overflow() -> None:
    a = lp.Annotations.from_columns(task=["t1", "t2"], worker=["w1", "w1"], label=["a", "a"])
    with pytest.raises(InvalidInputError, match="one year"):
        pay.pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15.0, durations=[1e308, 1e308])
    report = pay.pay_audit(a, price_per_label=0.1, pay_floor_per_hour=15.0, durations=[3600.0, 3600.0])
    assert report.share_hours_below_floor is not None and math.isfinite(report.share_hours_below_floor)
