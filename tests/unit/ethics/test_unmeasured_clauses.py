"""A clause is never "met" on nothing: bias with fewer than two slices, personal data with nothing scanned."""

from __future__ import annotations

import numpy as np

import labelpact as lp
from labelpact.contracts.contract import parse_contract
from labelpact.contracts.findings import Reason
from labelpact.core.annotations import TaskPayloads
from labelpact.ethics import EthicsReport, audit_ethics, label_bias
from labelpact.ethics.reasons import ethics_reasons

TERMS = parse_contract('[ethics]\nblock_on = ["pii", "bias"]')


def _clause(report: EthicsReport, clause: str) -> Reason:
    (reason,) = [r for r in ethics_reasons(report, TERMS) if r.clause == clause]
    return reason


def _bias(slices: list[str | None]) -> EthicsReport:
    tasks = [f"t{i}" for i in range(len(slices)) for _ in range(3)]
    a = lp.Annotations.from_columns(
        task=tasks, worker=["w1", "w2", "w3"] * len(slices), label=["a"] * len(tasks)
    )
    return EthicsReport(bias=(label_bias(a, np.zeros(a.n_tasks, dtype=np.intp), slices, column="region"),))


def test_bias_with_no_slice_value_is_unchecked() -> None:
    reason = _clause(_bias([None] * 6), "ethics.block_on")
    assert reason.outcome == "unchecked" and "region (0 slice(s))" in reason.detail


def test_bias_with_a_single_slice_is_unchecked() -> None:
    reason = _clause(_bias(["EU"] * 6), "ethics.block_on")
    assert reason.outcome == "unchecked" and "region (1 slice(s))" in reason.detail


def test_bias_with_two_tested_slices_and_no_difference_is_met() -> None:
    # labels vary within tasks so agreement has a variance on both sides
    tasks = [f"t{i}" for i in range(8) for _ in range(3)]
    labels = ["a", "a", "b"] * 4 + ["a", "a", "a"] * 4
    a = lp.Annotations.from_columns(task=tasks, worker=["w1", "w2", "w3"] * 8, label=labels)
    slices = ["EU", "US"] * 4
    report = EthicsReport(bias=(label_bias(a, np.zeros(8, dtype=np.intp), slices, column="region"),))
    assert _clause(report, "ethics.block_on").outcome == "met"


def test_personal_data_with_no_byte_scanned_is_unchecked() -> None:
    empty = audit_ethics(payloads=TaskPayloads(task=("t1", "t2"), fields={}))
    reason = _clause(empty, "data.personal_data")
    assert reason.outcome == "unchecked" and "0 bytes" in reason.detail
    scanned = audit_ethics(payloads=TaskPayloads(task=("t1",), fields={"text": ("all fine",)}))
    assert _clause(scanned, "data.personal_data").outcome == "met"
