"""ISO 2859-1 sampling plans against published table values, the OC curve by hand, and reproducible draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from labelpact.core.acceptance import (
    SamplingPlan,
    acceptance_probability,
    decide,
    draw_sample,
    limiting_quality,
    low_confidence_tasks,
    sampling_plan,
)
from labelpact.core.iso2859 import (
    AQLS,
    CODE_LETTERS,
    INSPECTION_LEVELS,
    SAMPLE_SIZES,
    code_letter,
    master_plan,
)
from labelpact.core.keyed import name_keys
from labelpact.errors import InvalidInputError

# Table I, sample-size code letters, as printed in the "AQL sampling chart" (ANSI/ASQC Z1.4 / MIL-STD-105E /
# ISO 2859, pdfcoffee.com/aql-sampling-chart-pdf-free.html; the same rows in scribd.com/document/339359187
# and GOST R ISO 2859-1 Table A.1): (a lot size inside the range, its letters at S-1 S-2 S-3 S-4 I II III)
TABLE_I = [
    (2, "AAAAAAB"), (8, "AAAAAAB"), (9, "AAAAABC"), (20, "AABBBCD"), (26, "ABBCCDE"), (90, "BBCCCEF"),
    (151, "BCDEEGH"), (500, "BCDEFHJ"), (1_200, "CCEFGJK"), (1_201, "CDEGHKL"), (10_000, "CDFGJLM"),
    (35_000, "CDFHKMN"), (35_001, "DEGJLNP"), (500_000, "DEGJMPQ"), (500_001, "DEHKNQR"), (10**9, "DEHKNQR"),
]  # fmt: skip


@pytest.mark.parametrize(("lot_size", "letters"), TABLE_I)
def test_code_letters_match_table_i(lot_size: int, letters: str) -> None:
    assert "".join(code_letter(lot_size, level) for level in INSPECTION_LEVELS) == letters


# U.S. Army "Table 1-A, General Level II, Single Normal", developed from MIL-STD-105E Tables I and II-A
# (nibs.org/FMOC/DPW_AC/AC-TABLE.ASC): for each level-II letter, the rejection number Re (Ac = Re - 1) at
# AQL 0.65 1.0 1.5 2.5 4.0 6.5 10 15, or "^" / "v" for "use the first plan above / below the arrow".
NIBS_LEVEL_II = {
    "A": "v v v v v 1 ^ v",
    "B": "v v v v 1 ^ v 2",
    "C": "v v v 1 ^ v 2 3",
    "D": "v v 1 ^ v 2 3 4",
    "E": "v 1 ^ v 2 3 4 6",
    "F": "1 ^ v 2 3 4 6 8",
    "G": "^ v 2 3 4 6 8 11",
    "H": "v 2 3 4 6 8 11 15",
    "J": "2 3 4 6 8 11 15 22",
    "K": "3 4 6 8 11 15 22 ^",
    "L": "4 6 8 11 15 22 ^ ^",
    "M": "6 8 11 15 22 ^ ^ ^",
    "N": "8 11 15 22 ^ ^ ^ ^",
    "P": "11 15 22 ^ ^ ^ ^ ^",
    "Q": "15 22 ^ ^ ^ ^ ^ ^",
}
NIBS_AQLS = (0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0, 15.0)


@pytest.mark.parametrize("letter", sorted(NIBS_LEVEL_II))
def test_master_table_matches_published_level_ii_rows(letter: str) -> None:
    for aql, cell in zip(NIBS_AQLS, NIBS_LEVEL_II[letter].split(), strict=True):
        used, size, accept, reject = master_plan(letter, aql)
        if cell == "^":  # a smaller sample (A @ 10 has nothing above it: see the off-table test)
            assert size <= SAMPLE_SIZES[letter], (letter, aql)
            assert used != letter or (letter, aql) == ("A", 10.0)
        elif cell == "v":
            assert CODE_LETTERS.index(used) > CODE_LETTERS.index(letter), (letter, aql)
        else:
            assert (used, size, accept, reject) == (letter, SAMPLE_SIZES[letter], int(cell) - 1, int(cell)), (
                letter,
                aql,
            )


@pytest.mark.parametrize(
    ("lot_size", "aql", "level", "expected"),
    [
        # (code letter, n, Ac, Re, plan letter); sources in the comment of each row
        (1_200, 1.0, "II", ("J", 80, 2, 3, "J")),  # Table I 501-1200 -> J; NIBS J @ 1.0: Re 3
        (10_000, 1.0, "II", ("L", 200, 5, 6, "L")),  # Table I 3201-10000 -> L; NIBS L @ 1.0: Re 6
        (1_000, 0.65, "II", ("J", 80, 1, 2, "J")),  # NIBS J @ 0.65: Re 2
        (3_000, 2.5, "II", ("K", 125, 7, 8, "K")),  # NIBS K @ 2.5: Re 8
        (100_000, 1.5, "II", ("N", 500, 14, 15, "N")),  # NIBS N @ 1.5: Re 15
        (600_000, 1.0, "II", ("Q", 1250, 21, 22, "Q")),  # NIBS Q @ 1.0: Re 22
        (120, 4.0, "II", ("F", 20, 2, 3, "F")),  # NIBS F @ 4.0: Re 3
        (60, 6.5, "II", ("E", 13, 2, 3, "E")),  # NIBS E @ 6.5: Re 3
        # arrows, resolved to the sample size of the plan they point to
        (5, 1.0, "II", ("A", 5, 0, 1, "E")),  # A @ 1.0 points down to E: n=13, 0/1; 100% of a lot of 5
        (5_000, 10.0, "II", ("L", 125, 21, 22, "K")),  # NIBS L @ 10 is an up arrow -> K @ 10: 21/22
        (12, 6.5, "II", ("B", 2, 0, 1, "A")),  # NIBS B @ 6.5 up -> A @ 6.5: n=2, 0/1
        (40, 4.0, "II", ("D", 13, 1, 2, "E")),  # NIBS D @ 4.0 down -> E @ 4.0: Re 2
        # ISO 2859-1:1999 plans quoted by Jenkins, Peck & Fernando (2023), lots of 35,001-500,000
        (100_000, 0.65, "S-4", ("J", 80, 1, 2, "J")),
        (100_000, 0.65, "S-3", ("G", 20, 0, 1, "F")),
        (100_000, 0.40, "S-4", ("J", 125, 1, 2, "K")),
        (100_000, 0.40, "S-3", ("G", 32, 0, 1, "G")),
        (100_000, 0.25, "S-4", ("J", 50, 0, 1, "H")),
        (100_000, 0.15, "S-4", ("J", 80, 0, 1, "J")),
    ],
)
def test_published_plans(
    lot_size: int, aql: float, level: str, expected: tuple[str, int, int, int, str]
) -> None:
    plan = sampling_plan(lot_size, aql=aql, inspection_level=level)
    assert (
        plan.code_letter,
        plan.sample_size,
        plan.accept_number,
        plan.reject_number,
        plan.plan_letter,
    ) == expected
    assert plan.lot_size == lot_size
    assert plan.inspection_level == level


def test_row_contents_match_the_transcribed_master_table() -> None:
    # MIL-STD-105E Table II-A transcription (scribd.com/document/563507790): A runs 0/1 ... 30/31, B-E add
    # 44/45, F-Q stop at 21/22, R starts at 1/2
    plans = {
        letter: {master_plan(letter, aql)[2:] for aql in AQLS if master_plan(letter, aql)[0] == letter}
        for letter in CODE_LETTERS
    }
    series = [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (5, 6),
        (7, 8),
        (10, 11),
        (14, 15),
        (21, 22),
        (30, 31),
        (44, 45),
    ]
    assert plans["A"] == set(series[:10])
    for letter in "BCDE":
        assert plans[letter] == set(series)
    for letter in "FGHJKLMNPQ":
        assert plans[letter] == set(series[:9])
    assert plans["R"] == set(series[1:9])


def test_full_inspection_when_the_sample_reaches_the_lot() -> None:
    plan = sampling_plan(10, aql=0.65, inspection_level="II")  # NIBS: B @ 0.65 points down to F: n=20 > 10
    assert plan.full_inspection
    assert plan.sample_size == 10
    assert (plan.accept_number, plan.reject_number, plan.plan_letter) == (0, 1, "F")
    assert draw_sample(10, plan).tolist() == list(range(10))
    assert not sampling_plan(10_000, aql=1.0).full_inspection


def test_arrows_off_the_table_fall_back_along_the_row() -> None:
    assert master_plan("A", 10.0) == ("A", 2, 0, 1)  # printed up arrow with nothing above it
    assert master_plan("R", 0.015) == ("R", 2000, 1, 2)  # staircase down-arrow cell with nothing below it
    assert master_plan("R", 0.010) == ("Q", 1250, 0, 1)


@pytest.mark.parametrize("level", INSPECTION_LEVELS)
def test_sample_size_is_non_decreasing_in_lot_size(level: str) -> None:
    lots = sorted(
        {
            2,
            3,
            1_000_000,
            *[
                b + d
                for b in (8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10**4, 35_000, 150_000, 500_000)
                for d in (0, 1)
            ],
        }
    )
    letters = [SAMPLE_SIZES[code_letter(lot, level)] for lot in lots]
    assert letters == sorted(letters)
    for aql in AQLS:
        sizes = [sampling_plan(lot, aql=aql, inspection_level=level).sample_size for lot in lots]
        assert sizes == sorted(sizes), aql


@pytest.mark.parametrize("letter", list(CODE_LETTERS))
def test_accept_number_is_non_decreasing_in_aql(letter: str) -> None:
    accepts = [master_plan(letter, aql)[2] for aql in AQLS]
    assert accepts == sorted(accepts)


def test_bad_aql_and_level_raise_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="AQL"):
        sampling_plan(1_000, aql=2.0)
    with pytest.raises(InvalidInputError, match="inspection level"):
        sampling_plan(1_000, aql=1.0, inspection_level="IV")
    with pytest.raises(InvalidInputError, match="lot"):
        sampling_plan(0, aql=1.0)
    assert sampling_plan(1_000, aql=0.1).aql == 0.10  # 0.1 and 0.10 are one column


def test_decide_at_the_boundaries() -> None:
    plan = sampling_plan(10_000, aql=1.0)  # n=200, Ac 5, Re 6
    assert decide(plan, 0) == "accept"
    assert decide(plan, 5) == "accept"
    assert decide(plan, 6) == "reject"
    with pytest.raises(InvalidInputError):
        decide(plan, 201)


def test_oc_curve_by_hand() -> None:
    plan = sampling_plan(1_200, aql=1.0)  # n=80, Ac 2
    by_hand = sum(math.comb(80, k) * 0.01**k * 0.99 ** (80 - k) for k in range(3))
    assert acceptance_probability(plan, 0.01) == pytest.approx(by_hand, rel=1e-12)
    assert acceptance_probability(plan, 0.01) > 0.95  # lots at the AQL are accepted most of the time
    # hypergeometric: 24 defective tasks among 1,200, sample of 80
    exact = sum(math.comb(24, k) * math.comb(1176, 80 - k) for k in range(3)) / math.comb(1200, 80)
    assert acceptance_probability(plan, 0.02, model="hypergeometric") == pytest.approx(exact, rel=1e-9)
    assert acceptance_probability(plan, 0.01, model="poisson") == pytest.approx(
        math.exp(-0.8) * (1 + 0.8 + 0.32)
    )
    curve = acceptance_probability(plan, np.linspace(0, 1, 101))
    assert curve[0] == 1.0
    assert curve[-1] == 0.0
    assert np.all(np.diff(curve) <= 1e-15)


@settings(max_examples=50, deadline=None)
@given(
    lot_size=st.integers(2, 10**6),
    aql=st.sampled_from(AQLS[:16]),
    level=st.sampled_from(INSPECTION_LEVELS),
    rates=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20),
)
def test_oc_curve_is_monotone(lot_size: int, aql: float, level: str, rates: list[float]) -> None:
    plan = sampling_plan(lot_size, aql=aql, inspection_level=level)
    ordered = np.sort(rates)
    for model in ("binomial", "hypergeometric"):
        curve = acceptance_probability(plan, ordered, model=model)  # type: ignore[arg-type]
        assert np.all(np.diff(curve) <= 1e-12)
        assert np.all((curve >= 0.0) & (curve <= 1.0))


def test_draw_is_reproducible_random_and_complete() -> None:
    plan = sampling_plan(10_000, aql=1.0)
    first = draw_sample(10_000, plan, random_state=3)
    assert np.array_equal(first, draw_sample(10_000, plan, random_state=3))
    assert not np.array_equal(first, draw_sample(10_000, plan, random_state=4))
    assert len(first) == len(np.unique(first)) == plan.sample_size
    assert first.min() >= 0
    assert first.max() < 10_000
    with pytest.raises(InvalidInputError, match="lot of 10000"):
        draw_sample(9_999, plan)


def test_stratified_draw_allocates_in_proportion_and_keeps_inclusion_equal() -> None:
    n_tasks = 1_000
    plan = sampling_plan(n_tasks, aql=1.0)  # J: n=80
    confidence = np.random.default_rng(0).random(n_tasks)
    lowest_quarter = np.argsort(confidence)[:250]
    hits = np.zeros(n_tasks)
    for seed in range(300):
        sample = draw_sample(n_tasks, plan, confidence=confidence, stratify=True, random_state=seed)
        assert len(np.unique(sample)) == 80
        assert np.count_nonzero(np.isin(sample, lowest_quarter)) == 20  # 80 * 250 / 1000, every time
        hits[sample] += 1
    inclusion = hits / 300
    assert inclusion.mean() == pytest.approx(0.08)
    assert abs(inclusion[lowest_quarter].mean() - 0.08) < 0.01  # no stratum is over-sampled
    with pytest.raises(InvalidInputError, match="confidence"):
        draw_sample(n_tasks, plan, stratify=True)


def test_a_draw_keyed_by_task_name_is_random_and_ignores_the_order_of_tasks() -> None:
    """With name keys the draw is the smallest keys per stratum: inclusion stays n/N over seeds, ties of
    confidence go by key, and the same tasks are drawn however the tasks are numbered."""
    n_tasks = 1_000
    plan = sampling_plan(n_tasks, aql=1.0)  # J: n=80
    names = tuple(f"task-{i:05d}" for i in range(n_tasks))
    confidence = np.round(np.random.default_rng(0).random(n_tasks), 1)  # many ties
    lowest_quarter = np.argsort(confidence, kind="stable")[:250]
    hits = np.zeros(n_tasks)
    for seed in range(300):
        keys = name_keys(names, seed)
        sample = draw_sample(
            n_tasks, plan, confidence=confidence, stratify=True, random_state=seed, keys=keys
        )
        assert len(np.unique(sample)) == 80
        hits[sample] += 1
    inclusion = hits / 300
    assert inclusion.mean() == pytest.approx(0.08)
    assert abs(inclusion[lowest_quarter].mean() - 0.08) < 0.01
    assert stats.chisquare(hits).pvalue > 1e-3  # every task about as often as any other
    order = np.random.default_rng(1).permutation(n_tasks)  # the same tasks, numbered otherwise
    keys = name_keys(names, 5)
    plain = draw_sample(n_tasks, plan, confidence=confidence, stratify=True, keys=keys)
    moved = draw_sample(n_tasks, plan, confidence=confidence[order], stratify=True, keys=keys[order])
    assert sorted(names[i] for i in plain) == sorted(names[order[i]] for i in moved)
    simple = draw_sample(n_tasks, plan, keys=keys)
    assert sorted(names[i] for i in simple) == sorted(
        names[order[i]] for i in draw_sample(n_tasks, plan, keys=keys[order])
    )
    weak = low_confidence_tasks(confidence, 30, keys=keys)
    assert sorted(names[i] for i in weak) == sorted(
        names[order[i]] for i in low_confidence_tasks(confidence[order], 30, keys=keys[order])
    )


def test_low_confidence_review_set_is_outside_the_sample() -> None:
    confidence = np.array([0.9, 0.2, 0.5, 0.1, 0.95, 0.3])
    assert low_confidence_tasks(confidence, 3).tolist() == [3, 1, 5]
    assert low_confidence_tasks(confidence, 3, exclude=[3]).tolist() == [1, 5, 2]


def test_plan_is_frozen() -> None:
    plan = sampling_plan(500, aql=2.5)
    assert isinstance(plan, SamplingPlan)
    with pytest.raises(AttributeError):
        plan.sample_size = 1  # type: ignore[misc]


@pytest.mark.parametrize(("lot", "aql"), [(1200, 2.5), (1200, 1.0), (50, 4.0), (10**6, 0.65), (8, 10.0)])
def test_the_limiting_quality_is_where_the_oc_curve_falls_to_the_consumers_risk(lot: int, aql: float) -> None:
    plan = sampling_plan(lot, aql=aql)
    lq = limiting_quality(plan)
    # scipy's binomial cdf as the reference: the plan accepts a lot at its LQ10 with probability 0.10
    assert stats.binom.cdf(plan.accept_number, plan.sample_size, lq) == pytest.approx(0.10, abs=1e-9)
    assert lq > aql / 100.0
    assert limiting_quality(plan, 0.05) > lq


def test_limiting_quality_of_a_published_plan() -> None:
    # ISO 2859-1 Table VI-A (LQ in percent nonconforming at Pa = 10%): n = 80, Ac = 5 gives 11 (rounded)
    assert round(100 * limiting_quality(sampling_plan(1200, aql=2.5))) == 11
