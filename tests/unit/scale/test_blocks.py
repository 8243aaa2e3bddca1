"""Blocks without a cluster: coding parts by task hash reproduces the in-process coding; tables add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelpact.core.annotations import Annotations
from labelpact.errors import InvalidInputError
from labelpact.scale.blocks import (
    SparseRows,
    add_tables,
    build_block,
    first_seen,
    merge_first_seen,
    split_by_task,
    vocabulary_of,
)
from labelpact.scale.parts import compact_codes, read_part

COLUMNS = {"task": "item", "worker": "annotator", "label": "label"}


def test_compact_codes_keeps_used_names_in_order() -> None:
    names, codes = compact_codes(np.array(["a", "b", "c", "d"], dtype=object), np.array([3, 1, 3]))
    assert names.tolist() == ["b", "d"] and codes.tolist() == [1, 0, 1]


def test_sparse_rows_add_like_dense_tables() -> None:
    rng = np.random.default_rng(0)
    x = SparseRows(np.array([0, 3, 5]), rng.random((3, 2, 2)))
    y = SparseRows(np.array([1, 3]), rng.random((2, 2, 2)))
    (total,) = add_tables((x,), (y,))
    assert np.allclose(total.dense(6), x.dense(6) + y.dense(6))
    assert add_tables((1.5, np.ones(2)), (2.0, np.ones(2)))[0] == 3.5


def test_blocks_code_tasks_and_workers_as_the_in_process_reader() -> None:
    rng = np.random.default_rng(1)
    n = 400
    frames = [
        pd.DataFrame(
            {
                "item": [f"t{i}" for i in rng.integers(0, 60, n)],
                "annotator": [f"w{i}" for i in rng.integers(0, 15, n)],
                "label": [str(v) for v in rng.integers(0, 3, n)],
            }
        )
        for _ in range(2)
    ]
    frames[1].loc[5, "label"] = None  # a row without a label is dropped, as an abstention
    parts = [read_part(f, i, COLUMNS) for i, f in enumerate(frames)]
    seen = merge_first_seen(first_seen(parts[0]), first_seen(parts[1]))
    vocabulary = vocabulary_of(seen, None)
    pieces = [split_by_task(p, 3) for p in parts]
    blocks = [build_block([p[j] for p in pieces], vocabulary, None) for j in range(3)]
    both = pd.concat(frames, ignore_index=True).dropna()
    a = Annotations.from_columns(task=both["item"], worker=both["annotator"], label=both["label"])
    assert vocabulary.workers == a.workers and vocabulary.classes == a.classes
    assert sum(b.annotations.n_annotations for b in blocks) == a.n_annotations
    keys = np.concatenate([b.first_key for b in blocks])
    names = np.concatenate([np.asarray(b.annotations.tasks, dtype=object) for b in blocks])
    assert tuple(names[np.argsort(keys)]) == a.tasks  # global first-appearance order
    assert len({t for b in blocks for t in b.annotations.tasks}) == a.n_tasks  # each task in one block
    counts = sum(b.counts.given.sum() for b in blocks)
    assert counts == a.n_annotations
    with pytest.raises(InvalidInputError, match="label in"):
        vocabulary_of(seen, ["0", "1"])
