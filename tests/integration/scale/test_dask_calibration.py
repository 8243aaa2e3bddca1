"""A named method's confidences on the Dask engine are calibrated as in-process (up to ``CROSS_FIT_LABELS``
labels): the same ``--out`` confidences, ``mean_confidence``, calibration and held-out accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.services.engine.consensus import aggregate_parts_file
from labelpact.services.quality import aggregate_file

from .parts import assert_close

pytest.importorskip("distributed")


def _labels(tmp_path: Path) -> tuple[Path, Path]:
    """40 tasks x 5 workers of three classes, one worker a spammer; gold on 10 tasks; one Parquet file."""
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 40)
    rows = [
        (f"t{i}", f"w{w}", f"c{rng.integers(0, 3) if w == 4 or rng.random() < 0.25 else truth[i]}")
        for i in range(40)
        for w in range(5)
    ]
    (tmp_path / "parts").mkdir()
    table = pa.table({n: [r[k] for r in rows] for k, n in enumerate(("task", "worker", "label"))})
    pq.write_table(table, tmp_path / "parts" / "p.parquet")
    gold = "task,label\n" + "".join(f"t{i},c{truth[i]}\n" for i in range(10))
    (tmp_path / "gold.csv").write_text(gold, encoding="utf-8")
    return tmp_path / "parts" / "p.parquet", tmp_path / "gold.csv"


@pytest.mark.parametrize("with_gold", [False, True])
@pytest.mark.parametrize("method", ["ds", "glad"])
def test_named_method_confidences_are_the_in_process_ones(
    client: Any, tmp_path: Path, method: str, with_gold: bool
) -> None:
    labels, gold = _labels(tmp_path)
    g = gold if with_gold else None
    local = aggregate_file(labels, gold=g, method=method, out=tmp_path / "local.csv")
    dask = aggregate_parts_file(
        labels.parent, gold=g, method=method, out=tmp_path / "dask.csv", client=client
    )
    on_dask = {k: v for k, v in dask.document.items() if k != "engine"}
    assert_close(on_dask, local.document, skip=frozenset({"seconds", "out"}))
    assert (tmp_path / "dask.csv").read_text() == (tmp_path / "local.csv").read_text()
