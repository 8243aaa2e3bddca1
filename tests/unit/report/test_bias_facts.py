"""The published slice-bias facts name the slices flagged for worse labels, and say "not testable" when nothing was."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from labelpact.services.project_facts import audit_facts
from labelpact.store import AuditRecord, BatchRecord

NOW = datetime(2026, 12, 1, tzinfo=UTC)
NAN = None  # stored JSON holds null where the report had NaN


def _slice(name: str, flags: list[str], diff: float, q: float, p: float | None = 0.5) -> dict[str, Any]:
    return {
        "slice": name,
        "flags": flags,
        "distribution_p": p,
        "agreement_diff": diff,
        "agreement_q": q,
        "agreement_p": p,
        "accuracy_diff": diff,
        "accuracy_q": q,
        "accuracy_p": p,
    }


def _facts(bias: list[dict[str, Any]]) -> tuple[str, ...]:
    batch = BatchRecord(
        "9151960b3512", "0" * 64, "Acme", "p", "labels.csv", "csv", 1, 1, 1, 1, 1, 2, ("a", "b"),
        0, 0, 0, 0, 0, None, NOW, None, NOW,
    )  # fmt: skip
    record = AuditRecord(
        "a1",
        batch.id,
        batch.sha256,
        "Acme",
        "p",
        NOW,
        "accept",
        (),
        {},
        None,
        (),
        {"bias": bias},
        "mv",
        None,
        (),
    )
    return audit_facts(record, batch, None).bias


def test_a_slice_flagged_for_worse_labels_is_named_with_its_differences_and_q_values() -> None:
    column = {
        "column": "lang",
        "cramers_v": 0.0,
        "p_value": 0.683,
        "n_tasks_used": 300,
        "fdr": 0.05,
        "slices": [
            _slice("de", ["agreement", "gold_accuracy"], -0.373, 3e-27),
            _slice("en", ["agreement", "gold_accuracy"], 0.373, 3e-27),  # better: no harm to it
        ],
    }
    (text,) = _facts([column])
    assert text.startswith("labels across lang slices: Cramér's V 0.000, p 0.683, 300 tasks")
    assert "significantly worse labels (FDR 0.05) in lang=de: agreement -0.373 vs the rest (q 3e-27)" in text
    assert "gold accuracy -0.373 vs the rest (q 3e-27)" in text
    assert "lang=en" not in text


def test_no_flag_says_so_and_nothing_testable_says_not_testable() -> None:
    quiet = {"column": "lang", "cramers_v": 0.01, "p_value": 0.4, "n_tasks_used": 80, "fdr": 0.05,
             "slices": [_slice("de", [], -0.01, 0.9), _slice("en", [], 0.01, 0.9)]}  # fmt: skip
    (text,) = _facts([quiet])
    assert text.endswith("no slice has significantly worse agreement or gold accuracy")
    blank = {"column": "region", "cramers_v": NAN, "p_value": NAN, "n_tasks_used": 10,
             "slices": [_slice("EU", [], NAN, NAN, p=NAN)]}  # fmt: skip
    assert _facts([blank]) == ("labels across region slices not testable (1 slice(s), 10 tasks)",)
