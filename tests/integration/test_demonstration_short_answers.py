"""A demonstrations batch of short answers ("Yes", "42") or blank ones is audited, not an internal error:
the quality rule fires and a finding says near-duplicates cannot be measured (finding 3 of the kinds hunt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelpact.services.audit import audit_stored_batch
from labelpact.services.refinement_audit import audit_deliverable
from labelpact.store import Store

from .partner_store import partner_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return partner_store(
        tmp_path, "[demonstrations]\nmax_llm_suspect_share = 0.05\nmax_near_duplicate_rate = 0.1\n"
    )


@pytest.mark.parametrize("answers", [("Yes", "No", "42", "Rome"), ("", "", "", "")])
def test_short_answers_are_audited_and_near_duplicates_unmeasured(
    store: Store, tmp_path: Path, answers: tuple[str, ...]
) -> None:
    path = tmp_path / "short.csv"
    rows = [f"q{i // 2},w{i % 2},{a}" for i, a in enumerate(answers)]
    path.write_text("task,worker,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = audit_deliverable(store, path, partner="Tagwell", project="qa", kind="demonstrations")
    kinds = {f.kind: f for f in result.findings}
    assert "fewer than 10 words" in kinds["low_quality"].evidence["rules"]
    unmeasured = kinds["near_duplicates_unmeasured"]
    assert "cannot be measured on this batch" in unmeasured.detail and unmeasured.evidence["n_answers"] == 4
    again = audit_stored_batch(store, result.audit.batch)  # the REST re-audit path
    assert again.audit.verdict == result.audit.verdict
    # the clause says it could not measure, not "met 0.0%" over answers it never compared
    clause = next(r for r in result.audit.reasons if r["clause"] == "demonstrations.max_near_duplicate_rate")
    assert clause["outcome"] == "unchecked"
