"""Slice bias on hand-made batches whose every number is worked out in the comments."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats.contingency import association

from labelpact.core.annotations import Annotations, Gold, TaskPayloads
from labelpact.core.intervals import wilson_interval
from labelpact.errors import InvalidInputError
from labelpact.ethics.bias import cramers_v, label_bias, slices_from_payloads

# en: t1-t4 unanimous (a, a, b, a); fr: t5-t8 split 2-1 except t7; t9 has no slice.
VOTES = {
    "t1": "aaa", "t2": "aaa", "t3": "bbb", "t4": "aaa",
    "t5": "bba", "t6": "bab", "t7": "bbb", "t8": "abb",
    "t9": "aab",
}  # fmt: skip
SLICES = ("en",) * 4 + ("fr",) * 4 + (None,)


def batch(copies: int = 1) -> tuple[Annotations, np.ndarray, Gold, tuple[str | None, ...]]:
    task, worker, label = [], [], []
    for c in range(copies):
        for t, votes in VOTES.items():
            for w, v in enumerate(votes):
                task.append(f"{t}_{c}")
                worker.append(f"w{w}")
                label.append(v)
    a = Annotations.from_columns(task=task, worker=worker, label=label)
    consensus = np.argmax(a.label_counts(), axis=1)
    gold_tasks = [f"{t}_{c}" for c in range(copies) for t in ("t1", "t2", "t5", "t6")]
    gold = Gold.from_names(a, task=gold_tasks, label=["a"] * len(gold_tasks))
    return a, consensus, gold, SLICES * copies


def test_cramers_v_matches_scipy_and_the_hand_computed_correction() -> None:
    table = np.array([[3.0, 1.0], [0.0, 4.0]])
    chi2, p, v = cramers_v(table, corrected=False)
    assert chi2 == pytest.approx(4.8)  # 8 (3*4 - 1*0)^2 / (4*4*3*5)
    assert p == pytest.approx(0.028459736916310)
    assert v == pytest.approx(association(table.astype(int), method="cramer", correction=False))
    _, _, v_corrected = cramers_v(table)
    # phi2 = 0.6 - 1/7; r~ = c~ = 2 - 1/7  ->  sqrt((0.6 - 1/7) / (1 - 1/7))
    assert v_corrected == pytest.approx(math.sqrt((0.6 - 1 / 7) / (6 / 7)))
    assert math.isnan(cramers_v(np.array([[3.0, 1.0], [0.0, 0.0]]))[2])  # one row left: undefined


def test_slice_statistics_by_hand() -> None:
    a, consensus, gold, slices = batch()
    report = label_bias(a, consensus, slices, column="language", gold=gold)
    en, fr = report.slices
    assert (report.n_tasks_used, report.n_tasks_unsliced) == (8, 1)
    assert report.chi2 == pytest.approx(4.8)
    assert dict(en.label_counts) == {"a": 3, "b": 1} and dict(fr.label_counts) == {"a": 0, "b": 4}
    # agreement: en 24 agreeing of 24 ordered pairs; fr (2 + 2 + 6 + 2) / 24
    assert (en.agreement, fr.agreement) == (1.0, 0.5)
    assert fr.agreement_diff == pytest.approx(-0.5)
    # the test's variances take residuals about the pooled ratio 36/48 = 0.75 (the null's), so en's four
    # unanimous tasks still vary: en 4/3 * 4 * 1.5^2 / 24^2 = 1/48, fr 4/3 * (3 * 2.5^2 + 1.5^2) / 24^2 = 7/144
    # -> z = 0.5 / sqrt(10/144) = 6 / sqrt(10) (the unpooled 1/36 alone gave z = 3, p 0.0027)
    assert fr.agreement_p == pytest.approx(2 * ndtr(-6 / math.sqrt(10)))
    # intervals: Wilson on the effective n = r(1 - r) / var; fr 0.25 / (1/36) = 9; en agrees everywhere
    # (var 0), so its effective n is its 4 tasks, never a zero-width [1, 1]
    assert fr.agreement_ci == pytest.approx(tuple(v[0] for v in wilson_interval([4.5], [9])))
    assert en.agreement_ci[0] == pytest.approx(4 / (4 + 1.959963985**2)) and en.agreement_ci[1] == 1.0
    # gold: en t1, t2 (3 of 3 each), fr t5, t6 (1 of 3 each): a ratio over 2 gold tasks a side
    assert (en.n_gold_labels, en.n_gold_tasks, en.gold_accuracy) == (6, 2, 1.0)
    assert fr.gold_accuracy == pytest.approx(1 / 3)
    assert en.accuracy_diff == pytest.approx(1 - 2 / 6)
    # pooled 8/12: residuals +-1 per task, var 2 * 2 / 36 = 1/9 a side -> z = (2/3) / sqrt(2/9) = sqrt(2)
    assert en.accuracy_p == pytest.approx(2 * ndtr(-math.sqrt(2)))
    assert en.gold_accuracy_ci[0] == pytest.approx(2 / (2 + 1.959963985**2))  # Wilson at k = n = 2 tasks
    assert en.gold_accuracy_ci[1] == 1.0
    # two slices: each test is the same for both, so BH leaves the p-values as they are
    assert en.accuracy_q == pytest.approx(en.accuracy_p)
    assert en.flags == fr.flags == ("label_distribution",)  # 4 tasks a side cannot show worse agreement


def test_flags_need_a_false_discovery_rate_below_the_target() -> None:
    a, consensus, gold, slices = batch(copies=4)
    report = label_bias(a, consensus, slices, gold=gold, fdr=0.05)
    fr = report.slices[1]
    assert "gold_accuracy" in fr.flags and fr.accuracy_diff < 0
    strict = label_bias(a, consensus, slices, gold=gold, fdr=1e-12)
    assert all(s.flags == () for s in strict.slices)


def test_without_gold_accuracy_is_unknown_and_json_has_no_nan() -> None:
    a, consensus, _, slices = batch()
    report = label_bias(a, consensus, slices)
    assert math.isnan(report.slices[0].gold_accuracy)
    assert "gold_accuracy" not in report.slices[0].flags
    text = json.dumps(report.to_dict(), allow_nan=False)
    assert '"gold_accuracy": null' in text


def test_slices_from_payloads_and_bad_input() -> None:
    a, consensus, _, _ = batch()
    payloads = TaskPayloads(task=("t9_0", "t1_0"), fields={"region": ("EU", "US")})
    values = slices_from_payloads(a, payloads, "region")
    assert values[a.tasks.index("t1_0")] == "US" and values[a.tasks.index("t9_0")] == "EU"
    assert values.count(None) == a.n_tasks - 2
    with pytest.raises(InvalidInputError):
        slices_from_payloads(a, payloads, "language")
    with pytest.raises(InvalidInputError):
        label_bias(a, consensus[:-1], values)
