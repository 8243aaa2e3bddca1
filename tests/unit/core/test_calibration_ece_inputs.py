"""expected_calibration_error checks its inputs and leaves out tasks without a confidence (NaN)."""

from __future__ import annotations

import numpy as np
import pytest

from labelpact.core.calibration_scores import expected_calibration_error
from labelpact.errors import InvalidInputError


def test_a_nan_confidence_is_left_out_with_its_flag() -> None:
    # by hand: bins 9 and 6 of 10; (|1 - 0.9| + |0 - 0.6|) / 2 = 0.35; the NaN task (no consensus) drops out
    ece = expected_calibration_error([0.9, 0.6, np.nan], [True, False, False])
    assert ece == pytest.approx(0.35)
    assert np.isnan(expected_calibration_error([np.nan], [True]))


@pytest.mark.parametrize(
    ("confidence", "correct", "n_bins", "column"),
    [
        ([0.9, 0.8], [True], 10, "correct"),  # was broadcast silently
        ([0.9], [True, False], 10, "correct"),
        ([1.5], [True], 10, "confidence"),
        ([-0.1], [True], 10, "confidence"),
        ([np.inf], [True], 10, "confidence"),
        ([0.5], [2], 10, "correct"),
        ([0.5], [True], 0, "n_bins"),
        ([0.5], [True], 2.5, "n_bins"),
        ([[0.5]], [[True]], 10, "confidence"),
        (["x"], [True], 10, "confidence"),
    ],
)
def test_bad_inputs_are_refused_naming_the_argument(
    confidence: object, correct: object, n_bins: object, column: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        expected_calibration_error(confidence, correct, n_bins)  # type: ignore[arg-type]
    assert caught.value.column == column
