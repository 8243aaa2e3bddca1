"""Preferences, ratings and demonstrations go through the store like labels: ingested with their kind, audited
against the contract (verdict, reasons, findings, sampling plan), re-audited from their blobs, disputed."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from labelpact.config import load_settings
from labelpact.errors import InvalidInputError
from labelpact.services import add_partner
from labelpact.services.audit import audit_stored_batch
from labelpact.services.disputes import open_dispute
from labelpact.services.refinement_audit import audit_deliverable, ingest_deliverable
from labelpact.services.simulated_deliverables import simulate_deliverable
from labelpact.store import Store

from .partner_store import partner_store

CONTRACT = """
[preferences]
max_position_bias = 0.05
[ratings]
scales = {helpfulness = [1, 7], harmlessness = [1, 5]}
min_agreement = 0.3
[demonstrations]
max_llm_suspect_share = 0.05
"""


def _csv(path: Path) -> list[pa.ChunkedArray]:
    return list(pacsv.read_csv(path).columns)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return partner_store(tmp_path, CONTRACT)


def test_a_position_biased_preference_batch_is_rejected_and_stored(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "prefs.csv"
    summary = simulate_deliverable(
        "preferences", path, size=6000, biased_share=0.4, truth=tmp_path / "truth.csv"
    )
    assert summary["worker_kinds"] == {"careful": 20, "left": 16, "spammer": 4}
    result = audit_deliverable(store, path, partner="Tagwell", project="rlhf")
    assert result.audit.verdict == "reject" and result.batch_created
    bias = next(r for r in result.reasons if r.clause == "preferences.max_position_bias")
    assert bias.outcome == "reject" and bias.interval is not None and bias.interval[0] > 0.05
    biased = next(f for f in result.findings if f.kind == "position_bias")
    kinds = dict(zip(*[c.to_pylist() for c in _csv(tmp_path / "truth.csv")], strict=True))
    flagged = biased.evidence["workers"]
    assert len(flagged) >= 12 and all(kinds[w] == "left" for w in flagged)  # most of the 16, no one else
    batch = store.get_batch(result.audit.batch)
    assert (
        batch.kind == "preferences"
        and batch.n_annotations == 6000
        and batch.classes == ("left", "right", "tie")
    )
    doc = result.document
    assert doc["metrics"]["kind"] == "preferences" and doc["sampling_plan"]["sample_size"] == len(
        doc["sample_tasks"]
    )
    # re-audit from the stored blobs: the same verdict and findings
    again = audit_stored_batch(store, batch.id)
    assert again.audit.verdict == "reject"
    assert [f["kind"] for f in again.document["findings"]] == [f["kind"] for f in doc["findings"]]
    # the partner can dispute a finding of this audit, as for labels
    finding = result.audit.findings[0].id
    dispute = open_dispute(store, finding, text="our interface randomises sides")
    assert dispute.finding == finding


def test_ratings_and_demonstrations_ingest_then_audit(store: Store, tmp_path: Path) -> None:
    ratings, demos = tmp_path / "ratings.parquet", tmp_path / "demos.jsonl"
    simulate_deliverable("ratings", ratings, size=300, biased_share=0.1)
    simulate_deliverable("demonstrations", demos, size=150, llm_share=0.3)
    r = ingest_deliverable(store, ratings, partner="Tagwell", project="rlhf")
    d = ingest_deliverable(store, demos, partner="Tagwell", project="rlhf")
    assert (r.batch.kind, d.batch.kind) == ("ratings", "demonstrations") and r.created and d.created
    assert ingest_deliverable(store, ratings, partner="Tagwell", project="rlhf").created is False
    rated = audit_stored_batch(store, r.batch.id)
    kinds = {f.kind for f in rated.findings}
    assert {"severe", "lenient"} <= kinds
    assert [x.clause for x in rated.reasons] == ["ratings.min_agreement", "ratings.min_agreement"]
    written = audit_stored_batch(store, d.batch.id)
    llm = next(x for x in written.reasons if x.clause == "demonstrations.max_llm_suspect_share")
    assert llm.outcome == "reject" and written.audit.verdict == "reject"
    assert any(f.kind == "llm_signals" and "not a verdict" in (f.action or "") for f in written.findings)


def test_ratings_outside_the_contract_scale_leave_the_store_unchanged(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("task,worker,helpfulness,harmlessness\nt1,w1,7,5\nt1,w2,8,5\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad\.csv, line 3, column 'helpfulness'.*from 1 to 7"):
        ingest_deliverable(store, path, partner="Tagwell", project="rlhf", kind="ratings")
    assert store.list_batches() == []


def test_the_demo_rlhf_vendor_is_caught(tmp_path: Path) -> None:
    from labelpact.services.demo_rlhf import rlhf_audits

    s = Store.open(load_settings({}, workspace=tmp_path / "ws"), create=True)
    prefs, demos = rlhf_audits(s, tmp_path / "rlhf", 7)
    bias = next(r for r in prefs.result.reasons if r.clause == "preferences.max_position_bias")
    assert prefs.result.audit.verdict == "reject" and bias.outcome == "reject"
    assert prefs.planted == 10 and prefs.caught == 10 and prefs.false_alarms == 0
    llm = next(r for r in demos.result.reasons if r.clause == "demonstrations.max_llm_suspect_share")
    assert demos.result.audit.verdict == "reject" and llm.outcome == "reject"
    assert demos.planted == 6 and demos.caught >= 5 and demos.false_alarms <= 1


def test_gold_pairs_are_scored(store: Store, tmp_path: Path) -> None:
    # w1 agrees with both gold pairs, w2 with one of two (a tie where gold says left): 3 of 4 by hand
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "task,worker,left,right,choice\nq1,w1,a,b,left\nq1,w2,b,a,right\nq2,w1,c,d,right\nq2,w2,c,d,tie\n",
        encoding="utf-8",
    )
    gold = tmp_path / "gold.csv"
    gold.write_text("task,left,right,choice\nq1,a,b,left\nq2,d,c,left\n", encoding="utf-8")
    contract = tmp_path / "gold.toml"
    contract.write_text("[preferences]\nmin_gold_agreement = 0.9\n", encoding="utf-8")
    result = audit_deliverable(store, pairs, partner="Tagwell", project="rlhf", gold=gold, contract=contract)
    reason = next(r for r in result.reasons if r.clause == "preferences.min_gold_agreement")
    assert reason.measured == pytest.approx(0.75) and reason.outcome == "review"
    assert result.document["metrics"]["gold_agreement"]["n"] == 4
    assert store.get_batch(result.audit.batch).n_gold == 2


def test_a_reviewer_decides_a_preference_audit_by_its_plan_with_task_defective_answers(
    store: Store, tmp_path: Path
) -> None:
    from labelpact.services.review import review_sample

    contract = tmp_path / "lenient.toml"
    contract.write_text("[preferences]\nmin_agreement = -1\n", encoding="utf-8")
    add_partner(store, "Plain", contract=contract)
    path = tmp_path / "prefs.csv"
    simulate_deliverable("preferences", path, size=3000, biased_share=0.0)
    audit = audit_deliverable(store, path, partner="Plain", project="rlhf").audit
    sample = list(audit.sample_tasks)
    plan = audit.sampling_plan
    assert sample and plan is not None and len(sample) == plan["sample_size"]
    too_many = plan["reject_number"]
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "task,defective\n"
        + "".join(f"{t},{'yes' if i < too_many else 'no'}\n" for i, t in enumerate(sample)),
        encoding="utf-8",
    )
    outcome = review_sample(store, audit.id, answers, reviewer="dana")
    assert outcome.document["n_defective"] == too_many and outcome.document["sample_decision"] == "reject"
    assert store.list_reviews(audit.id)[0].decision == "reject"
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("task,label\n" + "".join(f"{t},left\n" for t in sample), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="'defective'"):
        review_sample(store, audit.id, labelled)
    answers.write_text("task,defective\n" + f"{sample[0]},no\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=f"each of the {len(sample)} sampled tasks"):
        review_sample(store, audit.id, answers)


def test_the_python_api_reads_and_judges_a_deliverable_without_a_store(tmp_path: Path) -> None:
    import labelpact as lp

    path = tmp_path / "prefs.csv"
    simulate_deliverable("preferences", path, size=3000, biased_share=0.4)
    judged = lp.assess_deliverable(lp.read_deliverable(path), lp.parse_contract(CONTRACT))
    bias = next(r for r in judged.reasons if r.clause == "preferences.max_position_bias")
    assert judged.verdict == "reject" and bias.outcome == "reject"
