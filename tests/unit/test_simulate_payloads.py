"""Simulated payloads and pay: the audit finds exactly the planted leaks, licences and underpaid workers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.ethics import label_bias, pay_audit, scan_pii, slices_from_payloads, vet_provenance
from labelpact.ethics.pii.checksums import luhn_valid
from labelpact.io import read_tasks
from labelpact.simulate import simulate_delivery
from labelpact.simulate.payloads import plant_slice_bias, simulate_payloads, underpay_workers, write_tasks

TASKS = tuple(f"task-{i:04d}" for i in range(1000))
ALLOWED = ["CC-BY-4.0", "CC0-1.0", "MIT"]


def test_clean_payloads_hold_no_personal_data_and_only_allowed_licences() -> None:
    p = simulate_payloads(TASKS, seed=1)
    assert p.task == TASKS and set(p.fields) == {"text", "language", "source", "license"}
    assert scan_pii(p).findings == ()  # no false positive in 1,000 review texts
    assert vet_provenance(p, allowed=ALLOWED).findings == ()
    share = {lang: p.fields["language"].count(lang) / len(TASKS) for lang in ("en", "de", "es")}
    assert share["en"] == pytest.approx(0.6, abs=0.05) and share["es"] == pytest.approx(0.15, abs=0.04)
    assert len(set(p.fields["text"])) > 500  # varied, not one sentence repeated


def test_planted_leaks_and_licences_are_found_exactly() -> None:
    p = simulate_payloads(
        TASKS,
        seed=2,
        email_share=0.012,
        card_share=0.007,
        disallowed_share=0.02,
        unknown_license_share=0.01,
        missing_license_share=0.005,
    )
    report = scan_pii(p)
    assert dict(report.by_entity) == {"email": 12, "card": 7}
    texts = dict(zip(p.task, p.fields["text"], strict=True))
    for f in report.findings:
        if f.entity == "card":
            digits = str(texts[f.task])[f.start : f.end].replace(" ", "").replace("-", "")
            assert len(digits) == 16 and luhn_valid(digits)
    kinds = {f.kind: len(f.tasks) for f in vet_provenance(p, allowed=ALLOWED).findings}
    assert kinds == {"disallowed": 20, "unknown": 10, "missing": 5}
    again = simulate_payloads(TASKS, seed=2, email_share=0.012, card_share=0.007)
    assert (
        again.fields["text"]
        == simulate_payloads(TASKS, seed=2, email_share=0.012, card_share=0.007).fields["text"]
    )


def test_bad_shares_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        simulate_payloads(TASKS, email_share=1.5)
    with pytest.raises(InvalidInputError):
        simulate_payloads(TASKS, disallowed_share=0.6, unknown_license_share=0.6)
    with pytest.raises(InvalidInputError):
        simulate_payloads(TASKS, languages={"fr": 1.0})


def test_underpaid_workers_are_exactly_the_chosen_ones() -> None:
    sim = simulate_delivery(n_tasks=500, n_workers=40, median_duration_s=25.0, seed=3)  # most below 15/h
    a, chosen = underpay_workers(
        sim.annotations, share=0.25, price_per_label=0.08, pay_floor_per_hour=15.0, seed=4
    )
    assert len(chosen) == 10
    report = pay_audit(a, price_per_label=0.08, pay_floor_per_hour=15.0)
    assert set(report.workers_below_floor) == set(chosen)  # the others were lifted above the floor
    pay = {w.worker: w.hourly_pay or 0.0 for w in report.workers}
    assert all(0.4 * 15 <= pay[w] <= 0.85 * 15 + 0.01 for w in chosen)
    # one factor per worker: the spread of each worker's durations is kept
    before, after = sim.annotations.duration_s, a.duration_s
    assert before is not None and after is not None
    w0 = a.workers.index(chosen[0])
    rows = a.worker == w0
    ratio = after[rows] / before[rows]
    assert np.allclose(ratio, ratio[0], rtol=1e-3)
    assert a.submitted_at is not None and a.started_at is not None
    assert np.allclose((a.submitted_at - a.started_at).astype(np.int64) / 1000, after, atol=2e-3)
    clean, none = underpay_workers(sim.annotations, share=0.0, price_per_label=0.08, pay_floor_per_hour=15.0)
    assert (
        none == ()
        and pay_audit(clean, price_per_label=0.08, pay_floor_per_hour=15.0).workers_below_floor == ()
    )


def test_write_tasks_round_trips_through_the_reader(tmp_path: Path) -> None:
    p = simulate_payloads(TASKS[:50], seed=5, email_share=0.1, missing_license_share=0.1)
    read = read_tasks(write_tasks(p, tmp_path / "tasks.csv"))
    assert read.task == p.task
    assert {k: read.fields[k] for k in p.fields} == dict(
        p.fields
    )  # None (missing licence) survives as a blank


def test_planted_slice_bias_is_flagged_on_that_slice_alone() -> None:
    sim = simulate_delivery(n_tasks=1500, n_workers=60, seed=8)
    p = simulate_payloads(sim.annotations.tasks, seed=8)
    a = plant_slice_bias(sim.annotations, p, column="language", value="es", flip_share=0.3, seed=8)
    in_es = np.array(slices_from_payloads(a, p, "language"))[a.task] == "es"
    changed = a.label != sim.annotations.label
    assert not changed[~in_es].any()  # nothing outside the slice moves
    assert changed[in_es].mean() == pytest.approx(0.3, abs=0.002)
    consensus = np.argmax(a.label_counts(), axis=1)
    report = label_bias(
        a, consensus, slices_from_payloads(a, p, "language"), column="language", gold=sim.gold
    )
    flagged = {s.slice: s for s in report.slices if "agreement" in s.flags and s.agreement_diff < 0}
    assert list(flagged) == ["es"]
    with pytest.raises(InvalidInputError):
        plant_slice_bias(a, p, column="region", value="EU", flip_share=0.1)
