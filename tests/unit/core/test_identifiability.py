"""``unidentifiable_quality``: each way a batch cannot measure label quality is named, and a normal
batch is not flagged; ``agreement`` carries the sentence."""

from __future__ import annotations

import pytest

from labelpact.core.agreement import agreement, unidentifiable_quality
from labelpact.core.annotations import Annotations


def batch(rows: list[tuple[str, str, str]], classes: tuple[str, ...] | None = None) -> Annotations:
    a = Annotations.from_columns(
        task=[r[0] for r in rows], worker=[r[1] for r in rows], label=[r[2] for r in rows]
    )
    return a.with_classes(classes) if classes else a


@pytest.mark.parametrize(
    ("rows", "classes", "expected"),
    [
        ([("t1", "a", "x"), ("t1", "b", "x"), ("t2", "a", "x")], ("x", "y"), "one class only"),
        ([("t1", "a", "x"), ("t2", "b", "y"), ("t3", "a", "x")], None, "every one of the 3 labelled tasks"),
        ([("t1", "a", "x"), ("t1", "a", "y"), ("t2", "b", "y")], None, "no overlap between workers"),
        (
            [("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "x"), ("t2", "a", "y"), ("t2", "b", "y")],
            None,
            "all 2 tasks labelled by two or more workers are unanimous",
        ),
        (  # one disagreement among 500 tasks: 0.0% error (CI to 0.3%) had been stated at a true 31%
            [*[(f"t{t}", w, "y" if t else "x") for t in range(500) for w in "abc"][:-1], ("t499", "c", "x")],
            None,
            "workers disagree on only 1 of the 500 tasks",
        ),
        (
            [(f"t{t}", w, "x" if t % 2 else "y") for t in range(12) for w in "ab"]
            + [(f"t{t}", "c", "x") for t in range(0, 10, 2)],
            None,
            None,  # five tasks with a disagreement: enough to be measured
        ),
    ],
)
def test_each_unmeasurable_batch_is_named(
    rows: list[tuple[str, str, str]], classes: tuple[str, ...] | None, expected: str | None
) -> None:
    why = unidentifiable_quality(batch(rows, classes))
    if expected is None:
        assert why is None
    else:
        assert why is not None and expected in why
        assert "two labels" not in why  # three labels per task must not read as "no task has two"


def test_agreement_carries_the_reason_in_its_document() -> None:
    a = batch([("t1", "a", "x"), ("t1", "b", "x"), ("t1", "c", "x"), ("t2", "a", "x"), ("t2", "b", "x")])
    result = agreement(a, n_bootstrap=0)
    assert result.unidentifiable is not None and "one class only" in result.unidentifiable
    assert result.to_dict()["unidentifiable"] == result.unidentifiable
