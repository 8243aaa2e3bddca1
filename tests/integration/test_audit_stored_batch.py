"""A stored batch is re-audited from its blobs, without its file, and judged as the audit of the file was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.services import add_partner
from labelpact.services.audit import AuditResult, audit_batch, audit_stored_batch
from labelpact.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DATA = EXAMPLES / "data"
STANDARD = EXAMPLES / "contracts" / "standard.toml"
DUE = dt.datetime(2026, 1, 9, tzinfo=dt.UTC)
DELIVERED = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
# the standard contract with its classes in another order and a sample of a different size: the stored
# codes must be recoded to this vocabulary, as reading the file with it would code them
REORDERED = (
    STANDARD.read_text(encoding="utf-8")
    .replace('["negative", "neutral", "positive", "mixed"]', '["mixed", "positive", "neutral", "negative"]')
    .replace("aql = 1.0 ", "aql = 2.5 ")
)


def _store(root: Path) -> Store:
    store = Store.open(load_settings({}, workspace=root / "ws"), create=True)
    add_partner(store, "Acme Labels", since=dt.date(2025, 9, 1), contract=STANDARD)
    return store


def _judged(result: AuditResult) -> dict[str, Any]:
    """The audit document without what differs between two audits of one batch (ids, clock, timings)."""
    doc = {k: v for k, v in result.document.items() if k not in ("audit", "created_at")}
    doc["findings"] = [{k: v for k, v in f.items() if k != "id"} for f in doc["findings"]]
    return _untimed(doc)


def _untimed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _audit_file(store: Store, **options: Any) -> AuditResult:
    return audit_batch(
        store,
        DATA / "acme-week1.csv",
        partner="Acme Labels",
        project="sentiment",
        delivered_at=DELIVERED,
        due_at=DUE,
        n_bootstrap=50,
        **options,
    )


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, AuditResult]]:
    """The README's audit of the example week: gold, tasks, model predictions, the partner's contract."""
    store = _store(tmp_path_factory.mktemp("stored"))
    result = _audit_file(
        store,
        gold=DATA / "acme-week1-gold.csv",
        tasks=DATA / "acme-week1-tasks.csv",
        pred_probs=DATA / "acme-week1-preds.csv",
    )
    yield store, result
    store.close()


def test_a_reaudit_of_the_stored_batch_equals_the_audit_of_its_file(
    audited: tuple[Store, AuditResult],
) -> None:
    store, first = audited
    again = audit_stored_batch(
        store, first.audit.batch, pred_probs=DATA / "acme-week1-preds.csv", n_bootstrap=50
    )
    assert again.audit.id != first.audit.id and not again.batch_created
    assert _judged(again) == _judged(first)
    assert first.document["verdict"] == "reject"  # the README's verdict, so the comparison is not vacuous
    assert again.document["ethics"]["findings"] or again.document["ethics"]["verdict"]  # tasks were read
    assert again.plan == first.plan
    assert set(again.seconds) >= {"read", "consensus", "verdict", "store"}


def test_a_reaudit_under_another_contract_equals_the_audit_of_the_file_under_it(
    audited: tuple[Store, AuditResult], tmp_path: Path
) -> None:
    store, first = audited
    again = audit_stored_batch(
        store,
        first.audit.batch[:8],
        contract_toml=REORDERED,
        pred_probs=DATA / "acme-week1-preds.csv",
        n_bootstrap=50,
    )
    contract = tmp_path / "reordered.toml"
    contract.write_text(REORDERED, encoding="utf-8")
    with _store(tmp_path) as fresh:
        direct = _audit_file(
            fresh,
            gold=DATA / "acme-week1-gold.csv",
            tasks=DATA / "acme-week1-tasks.csv",
            pred_probs=DATA / "acme-week1-preds.csv",
            contract=contract,
        )
    assert _judged(again) == _judged(direct)
    assert again.plan.aql == 2.5 and again.plan != first.plan


def test_a_batch_stored_without_gold_or_tasks_reaudits_alike(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        first = _audit_file(store)
        again = audit_stored_batch(store, first.audit.batch, n_bootstrap=50)
        assert _judged(again) == _judged(first)
        assert again.document["metrics"]["n_gold"] == 0


def test_bad_requests_name_the_field(audited: tuple[Store, AuditResult]) -> None:
    store, first = audited
    with pytest.raises(NotFoundError):
        audit_stored_batch(store, "ffffffffffff")
    with pytest.raises(InvalidInputError) as caught:
        audit_stored_batch(store, first.audit.batch, contract_toml='[labels]\nclasses = ["a", "b"]\n')
    assert caught.value.column == "label" and "'negative'" in str(caught.value)
    with pytest.raises(InvalidInputError) as caught:
        audit_stored_batch(store, first.audit.batch, contract_toml="[quality]\nmethod = 'best'\n")
    assert caught.value.file == "contract" and caught.value.column == "quality.method"
    with pytest.raises(InvalidInputError, match="not both"):
        audit_stored_batch(store, first.audit.batch, contract=STANDARD, contract_toml="")
