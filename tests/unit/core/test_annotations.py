from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelpact.core.annotations import Annotations, Gold, TaskPayloads, natural_order
from labelpact.errors import InvalidInputError


@pytest.fixture
def toy() -> Annotations:
    return Annotations.from_columns(
        task=["t2", "t2", "t1", "t1", "t2", "t3"],
        worker=["ann", "bob", "ann", "bob", "ann", "cy"],
        label=["pos", "neg", "pos", "pos", "neg", "neu"],
        duration_s=[3.0, 5.0, np.nan, 7.0, 1.0, 2.0],
    )


def test_vocabularies_and_codes(toy: Annotations) -> None:
    assert toy.tasks == ("t2", "t1", "t3")  # first appearance
    assert toy.workers == ("ann", "bob", "cy")
    assert toy.classes == ("neg", "neu", "pos")  # sorted
    assert toy.task.tolist() == [0, 0, 1, 1, 0, 2]
    assert toy.label.tolist() == [2, 0, 2, 2, 0, 1]
    assert (toy.n_tasks, toy.n_workers, toy.n_classes, toy.n_annotations) == (3, 3, 3, 6)


def test_arrays_are_read_only_and_caller_data_is_copied() -> None:
    codes = np.array([0, 1])
    a = Annotations(
        task=codes, worker=codes, label=codes, tasks=("a", "b"), workers=("x", "y"), classes=("0", "1")
    )
    codes[0] = 1
    assert a.task.tolist() == [0, 1]
    with pytest.raises(ValueError, match="read-only"):
        a.task[0] = 1


def test_label_counts_and_per_task(toy: Annotations) -> None:
    assert toy.label_counts().tolist() == [[2, 0, 1], [0, 0, 2], [0, 1, 0]]
    assert toy.labels_per_task().tolist() == [3, 2, 1]
    assert toy.labels_per_worker().tolist() == [3, 2, 1]


def test_duplicates_first_last_and_error(toy: Annotations) -> None:
    assert toy.duplicate_mask(keep="first").tolist() == [False, False, False, False, True, False]
    assert toy.duplicate_mask(keep="last").tolist() == [True, False, False, False, False, False]
    assert toy.deduplicated("first").label.tolist() == [2, 0, 2, 2, 1]
    assert toy.deduplicated("last").label.tolist() == [0, 2, 2, 0, 1]
    assert toy.deduplicated("keep") is toy
    with pytest.raises(InvalidInputError, match="task 't2' by worker 'ann'"):
        toy.deduplicated("error")


def test_median_duration_ignores_unknown(toy: Annotations) -> None:
    assert toy.median_duration_s() == 3.0
    assert Annotations.from_columns(task=["a"], worker=["w"], label=["x"]).median_duration_s() is None


def test_fixed_classes_reject_unknown_label() -> None:
    with pytest.raises(InvalidInputError, match="'maybe'"):
        Annotations.from_columns(task=["a"], worker=["w"], label=["maybe"], classes=["yes", "no"])


def test_with_classes_recodes_and_keeps_unchosen(toy: Annotations) -> None:
    wider = toy.with_classes(["pos", "neu", "neg", "spam"])
    assert wider.classes[wider.label[0]] == "pos"
    assert wider.label_counts().shape == (3, 4)
    with pytest.raises(InvalidInputError):
        toy.with_classes(["pos"])


def test_natural_order_sorts_numbers_numerically() -> None:
    assert natural_order(["10", "2", "1"]) == ("1", "2", "10")
    assert natural_order(["b", "a", "10"]) == ("10", "a", "b")


def test_gold_from_names_and_dense(toy: Annotations) -> None:
    gold = Gold.from_names(toy, task=["t3", "t1"], label=["neu", "pos"])
    assert gold.as_dense(toy.n_tasks).tolist() == [-1, 2, 1]
    with pytest.raises(InvalidInputError, match="'t9'"):
        Gold.from_names(toy, task=["t9"], label=["pos"])
    with pytest.raises(InvalidInputError):
        Gold(task=np.array([0, 0]), label=np.array([1, 1]))


def test_task_payloads_are_immutable() -> None:
    payloads = TaskPayloads(task=("a", "b"), fields={"text": ("hi", None)})
    assert payloads.n_bytes == 2
    with pytest.raises(TypeError):
        payloads.fields["text"] = ("x", "y")  # type: ignore[index]
    with pytest.raises(InvalidInputError):
        TaskPayloads(task=("a",), fields={"text": ("x", "y")})


def test_codes_out_of_range_are_rejected() -> None:
    with pytest.raises(InvalidInputError):
        Annotations(
            task=np.array([2]),
            worker=np.array([0]),
            label=np.array([0]),
            tasks=("a",),
            workers=("w",),
            classes=("x",),
        )


@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 4), st.sampled_from(["a", "b", "c"])),
        min_size=1,
        max_size=60,
    )
)
def test_duplicate_mask_matches_a_plain_python_reference(rows: list[tuple[int, int, str]]) -> None:
    a = Annotations.from_columns(
        task=[f"t{t}" for t, _, _ in rows], worker=[f"w{w}" for _, w, _ in rows], label=[y for *_, y in rows]
    )
    seen: set[tuple[int, int]] = set()
    expected = []
    for t, w, _ in rows:
        expected.append((t, w) in seen)
        seen.add((t, w))
    assert a.duplicate_mask().tolist() == expected
    assert int(a.deduplicated("last").n_annotations) == len(seen)


def test_one_label_per_pair_is_the_workers_most_frequent_whatever_the_row_order() -> None:
    rows = [
        ("t", "w", "b"),
        ("t", "w", "a"),
        ("t", "w", "b"),
        ("t", "v", "a"),
        ("u", "w", "a"),
        ("u", "w", "c"),
    ]
    kept = set()
    for order in (rows, rows[::-1], [rows[i] for i in (3, 1, 5, 0, 4, 2)]):
        a = Annotations.from_columns(
            task=[r[0] for r in order],
            worker=[r[1] for r in order],
            label=[r[2] for r in order],
            classes=["a", "b", "c"],
        )
        b = a.one_per_pair()
        kept.add(
            frozenset(
                (b.tasks[t], b.workers[w], b.classes[c])
                for t, w, c in zip(b.task, b.worker, b.label, strict=True)
            )
        )
    # w's answer on t is b (two of three); on u a tie of a and c goes to a, the class listed first
    assert kept == {frozenset({("t", "w", "b"), ("t", "v", "a"), ("u", "w", "a")})}
