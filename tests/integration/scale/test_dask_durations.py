"""Durations read from Parquet parts on a real LocalCluster: a ``duration_s`` column (or ``started_at`` and
``submitted_at``) gives each worker the median and count of ``core.worker_speed.median_durations`` on the same
rows, and a bad value is refused naming its part and row, as the in-process reader refuses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from tests.integration.scale.parts import TOL, reference, write_parts

from labelpact.core.worker_speed import annotation_durations, median_durations
from labelpact.errors import InvalidInputError
from labelpact.io.export import annotations_table
from labelpact.simulate import simulate_delivery

distributed = pytest.importorskip("distributed")

from labelpact.scale import distribute  # noqa: E402
from labelpact.scale.durations import worker_medians  # noqa: E402


@pytest.mark.parametrize(
    "columns", [("duration_s",), ("started_at", "submitted_at")], ids=["duration_s", "times"]
)
def test_worker_medians_equal_in_process(client: Any, tmp_path: Path, columns: tuple[str, ...]) -> None:
    sim = simulate_delivery(n_tasks=400, n_workers=15, n_classes=3, seed=4)
    table = annotations_table(sim.annotations).select(["task", "worker", "label", *columns])
    if columns == ("duration_s",):  # some unknown: they count for no worker
        given = table["duration_s"].to_numpy().copy()
        given[::7] = np.nan
        table = table.set_column(3, "duration_s", pa.array(given, from_pandas=True))
    a, _ = reference(table, None)
    seconds = annotation_durations(a)
    assert seconds is not None
    expected, expected_count = median_durations(a.worker, seconds, a.n_workers)
    median, count = worker_medians(distribute(client, write_parts(table, tmp_path / "parts", 3), n_blocks=4))
    assert np.array_equal(count, expected_count) and 0 < count.sum() <= a.n_annotations
    assert np.allclose(median, expected, rtol=0, atol=TOL, equal_nan=True)


def test_parts_without_durations_leave_the_speed_columns_empty(client: Any, tmp_path: Path) -> None:
    table = pa.table({"task": list("aabbc"), "worker": list("xyxyx"), "label": list("01101")})
    median, count = worker_medians(distribute(client, write_parts(table, tmp_path / "parts", 2)))
    assert np.isnan(median).all() and not count.any()


def test_a_negative_duration_is_refused_with_its_part_and_row(client: Any, tmp_path: Path) -> None:
    table = pa.table(
        {
            "task": list("aabbcc"),
            "worker": list("xyxyxy"),
            "label": list("011010"),
            "lead_time": ["3.5", "", "2", "4", "-1", "5"],  # an alias, as text, a blank allowed
        }
    )
    folder = write_parts(table, tmp_path / "parts", 2)
    with pytest.raises(InvalidInputError, match="a duration of zero or more seconds") as error:
        distribute(client, folder)
    message = str(error.value)
    assert "part-00001.parquet" in message and "row 2" in message and "lead_time" in message, message
