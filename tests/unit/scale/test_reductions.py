"""The reductions the Dask engine sums across blocks, without a cluster: they give the in-process answer.

Patterns of per-task label counts merged from pieces come back in ``core.agreement.count_patterns``' order (so the
bootstrap draws the same replicates); the identifiability counts give ``unidentifiable_quality``'s sentence;
blank labels keep their task; a ``Largest`` sums to a maximum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelpact.core.agreement import count_patterns
from labelpact.core.annotations import Annotations
from labelpact.core.identifiability import unidentifiable_quality
from labelpact.core.kernels import count_matrix
from labelpact.errors import InvalidInputError
from labelpact.scale.agreement import Patterns
from labelpact.scale.blocks import Block
from labelpact.scale.glad import Largest
from labelpact.scale.identifiability import block_signal
from labelpact.scale.parts import compact_codes, read_part

COLUMNS = {"task": "task", "worker": "worker", "label": "label"}


@pytest.mark.parametrize(("k", "top"), [(3, 6), (12, 40)])  # packed keys, and rows too wide to pack
def test_merged_patterns_come_back_in_the_in_process_order(k: int, top: int) -> None:
    rng = np.random.default_rng(k)
    counts = rng.integers(0, 3, size=(500, k)).astype(np.float64)
    counts[rng.integers(0, 500, 20), rng.integers(0, k, 20)] = top
    counts = counts[counts.sum(1) > 0]
    expected_rows, expected_sizes = count_patterns(counts)
    pieces = [Patterns(*count_patterns(chunk)) for chunk in np.array_split(counts, 4)]
    merged = ((pieces[0] + pieces[1]) + (pieces[2] + pieces[3])).in_process_order()
    assert np.array_equal(merged.rows, expected_rows) and np.array_equal(merged.sizes, expected_sizes)


def _block(task: list[int], worker: list[int], label: list[int], n_tasks: int, k: int = 2) -> Block:
    a = Annotations(
        task=np.array(task, dtype=np.intp),
        worker=np.array(worker, dtype=np.intp),
        label=np.array(label, dtype=np.intp),
        tasks=tuple(f"t{i}" for i in range(n_tasks)),
        workers=tuple(f"w{i}" for i in range(max(worker, default=0) + 1)),
        classes=tuple(f"c{i}" for i in range(k)),
    )
    index = np.arange(a.n_workers, dtype=np.intp)
    return Block(a, index, np.arange(n_tasks, dtype=np.int64), None, count_matrix(a))


@pytest.mark.parametrize(
    ("task", "worker", "label"),
    [
        ([0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 1]),  # measurable
        ([0, 0, 1, 1], [0, 1, 0, 1], [1, 1, 1, 1]),  # one class only
        ([0, 1, 2], [0, 1, 0], [0, 1, 1]),  # one label per task
        ([0, 0, 1, 1], [0, 0, 1, 1], [0, 1, 1, 0]),  # repeats by the same worker only
        ([0, 0, 1, 1], [0, 1, 0, 1], [0, 0, 1, 1]),  # unanimous
        ([], [], []),  # no label
    ],
)
def test_quality_signal_summed_over_blocks_gives_the_in_process_sentence(
    task: list[int], worker: list[int], label: list[int]
) -> None:
    whole = _block(task, worker, label, max(task, default=0) + 1)
    cut = 2  # the first two rows in one block, the rest in another, whole tasks each
    head = _block(task[:cut], worker[:cut], label[:cut], max(task, default=0) + 1)
    tail = _block(task[cut:], worker[cut:], label[cut:], max(task, default=0) + 1)
    if task and task[cut - 1] == task[min(cut, len(task) - 1)]:
        head, tail = whole, _block([], [], [], 1)
    signal = block_signal(head) + block_signal(tail)
    assert signal.reason(whole.annotations.classes) == unidentifiable_quality(whole.annotations)


def test_blank_labels_keep_their_task_and_worker() -> None:
    frame = pd.DataFrame({"task": ["a", "b", "c"], "worker": ["x", "y", None], "label": ["1", None, None]})
    part = read_part(frame, 0, COLUMNS)
    assert part["task"].tolist() == ["a", "b", "c"]
    assert part["label_code"].tolist() == [0, -1, -1] and part["worker_code"].tolist() == [0, 1, -1]
    orphan = pd.DataFrame({"task": ["a"], "worker": [None], "label": ["1"]})
    with pytest.raises(InvalidInputError, match="a worker for every label"):
        read_part(orphan, 0, COLUMNS)


def test_compact_codes_keep_minus_one() -> None:
    names, codes = compact_codes(np.array(["a", "b", "c"], dtype=object), np.array([2, -1, 2]))
    assert names.tolist() == ["c"] and codes.tolist() == [0, -1, 0]


def test_largest_adds_up_to_the_maximum() -> None:
    assert float(Largest(0.5) + Largest(2.0) + Largest(1.0)) == 2.0
