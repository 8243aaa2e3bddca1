"""Audits: stored whole with findings, files and the contract text, listed newest first, never rewritten."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from labelpact.config import Settings
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.store import AuditRecord, FindingCreate, Store, contract_sha256, plain_json
from labelpact.store.database import create_store_engine

from .audit_case import CONTRACT, add_batch, audit_of, consensus_file
from .conftest import Snapshot


@pytest.fixture
def scale(store: Store) -> Store:
    store.add_partner("Scale")
    store.add_partner("Surge")
    return store


def test_an_audit_round_trips_with_findings_files_and_contract(
    scale: Store, settings: Settings, tmp_path: Path
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    consensus = consensus_file(tmp_path / "out")
    added = scale.add_audit(audit_of(batch), files={"consensus": consensus})
    assert added.id == "a1"
    assert (added.batch, added.batch_sha256, added.partner, added.project) == (
        batch.id,
        batch.sha256,
        "Scale",
        "sentiment",
    )
    assert abs(datetime.now(UTC) - added.created_at) < timedelta(minutes=1)
    assert added.verdict == "review" and added.method == "ds"
    assert added.reasons[0]["measured"] == 0.875 and added.reasons[0]["passed"] is False
    assert added.metrics["krippendorff_alpha"] == {"value": 0.71, "ci": [0.64, 0.78]}
    assert added.metrics["flags"] == ["a", "b"]  # a tuple is stored as a JSON list
    assert added.sampling_plan is not None and added.sampling_plan["reject_number"] == 1
    assert added.sample_tasks == ("t2", "t1")  # draw order kept
    assert added.ethics == {"pii": [], "pay": {"hourly": 16.5}}
    assert added.contract_sha256 == hashlib.sha256(CONTRACT.encode()).hexdigest() == contract_sha256(CONTRACT)
    assert [(f.id, f.audit, f.kind, f.severity) for f in added.findings] == [
        ("f1", "a1", "spammer", "critical"),
        ("f2", "a1", "late_delivery", "info"),
    ]
    assert added.findings[0].evidence == {"workers": ["w2"], "spammer_score": 0.02}
    assert added.findings[1].clause is None and added.findings[1].action is None
    file = added.file("consensus")
    assert file is not None and added.file("gold") is None
    assert file.path.startswith("audits/") and file.path.endswith("/consensus.parquet")
    assert (file.sha256, file.size_bytes) == (hashlib.sha256(consensus.read_bytes()).hexdigest(), 19)
    assert scale.blob_path(file).read_bytes() == consensus.read_bytes()
    with Store.open(settings) as reopened:
        assert reopened.get_audit("a1") == added
        assert reopened.get_audit(1) == reopened.get_audit("A0001") == added
        assert reopened.get_contract(added.contract_sha256) == CONTRACT
        assert reopened.get_contract("0" * 64) is None
    assert list((settings.blob_root / ".staging").iterdir()) == []


def test_an_audit_without_plan_ethics_contract_or_files_stores_nulls(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    new = audit_of(batch, sampling_plan=None, ethics=None, contract_toml=None, findings=[], sample_tasks=[])
    added = scale.add_audit(new, files={})
    assert (added.sampling_plan, added.ethics, added.contract_sha256, added.findings, added.files) == (
        None,
        None,
        None,
        (),
        (),
    )
    assert scale.get_audit(added.id) == added


def test_a_re_audit_is_a_new_audit_and_the_old_one_stays(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    first = scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path / "1", b"one")})
    second = scale.add_audit(
        audit_of(batch, verdict="accept", reasons=[]),
        files={"consensus": consensus_file(tmp_path / "2", b"two")},
    )
    assert (first.id, second.id) == ("a1", "a2")
    assert scale.get_audit(first.id) == first
    assert scale.latest_audit(batch.id) == second
    assert [a.id for a in scale.list_audits(batch=batch.sha256[:8])] == ["a2", "a1"]
    assert [f.id for f in second.findings] == ["f3", "f4"]
    assert first.file("consensus") != second.file("consensus")
    assert scale.blob_path(first.file("consensus")).read_bytes() == b"one"  # type: ignore[arg-type]
    assert scale.blob_path(second.file("consensus")).read_bytes() == b"two"  # type: ignore[arg-type]
    assert first.contract_sha256 == second.contract_sha256  # the contract text is stored once
    assert len(scale.audit_log(action="contract.stored")) == 1


def test_list_audits_newest_first_and_filtered(scale: Store, tmp_path: Path) -> None:
    a = add_batch(scale, tmp_path / "a", b"a", partner="Scale", project="p1")
    b = add_batch(scale, tmp_path / "b", b"b", partner="Surge", project="p1")
    c = add_batch(scale, tmp_path / "c", b"c", partner="Scale", project="p2")
    ids = [scale.add_audit(audit_of(x), files={}).id for x in (a, b, c, a)]
    assert ids == ["a1", "a2", "a3", "a4"]
    assert [x.id for x in scale.list_audits()] == ["a4", "a3", "a2", "a1"]
    assert [x.id for x in scale.list_audits(partner="Scale")] == ["a4", "a3", "a1"]
    assert [x.id for x in scale.list_audits(project="p1")] == ["a4", "a2", "a1"]
    assert [x.id for x in scale.list_audits(partner="Scale", project="p1")] == ["a4", "a1"]
    assert [x.id for x in scale.list_audits(batch=a.id)] == ["a4", "a1"]
    assert scale.list_audits(partner="Surge", project="p2") == []
    with pytest.raises(NotFoundError, match="unknown partner 'Surg'"):
        scale.list_audits(partner="Surg")


def test_latest_audit_of_a_batch_without_audits_is_none(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    assert scale.latest_audit(batch.id) is None
    with pytest.raises(NotFoundError, match="unknown batch"):
        scale.latest_audit("abcdef0")


def test_unknown_and_malformed_audit_ids(scale: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"^unknown audit 'a1'; latest audits: none yet$"):
        scale.get_audit("a1")
    batch = add_batch(scale, tmp_path / "in")
    scale.add_audit(audit_of(batch), files={})
    scale.add_audit(audit_of(batch), files={})
    with pytest.raises(NotFoundError, match=r"^unknown audit 'a9'; latest audits: a2, a1$"):
        scale.get_audit("a9")
    for bad in ("x1", "a", "a-1", "0", "", True, 1.5):
        with pytest.raises(InvalidInputError, match="audit id like a12"):
            scale.get_audit(bad)  # type: ignore[arg-type]


def test_an_unknown_batch_changes_nothing(
    scale: Store, tmp_path: Path, take_snapshot: Callable[[], Snapshot]
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    before = take_snapshot()
    with pytest.raises(NotFoundError, match="unknown batch 'ffffff'"):
        scale.add_audit(
            replace(audit_of(batch), batch="ffffff"), files={"consensus": consensus_file(tmp_path)}
        )
    assert take_snapshot() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metrics": {"alpha": float("nan")}}, r"field 'metrics.alpha': expected a finite number or null"),
        ({"metrics": {"ci": [0.1, float("inf")]}}, r"field 'metrics.ci\[1\]': expected a finite number"),
        ({"reasons": [{"measured": float("nan")}]}, r"field 'reasons\[0\].measured'"),
        ({"ethics": {"pay": {"hourly": np.float64("nan")}}}, r"field 'ethics.pay.hourly'"),
        ({"metrics": {"x": object()}}, "a JSON value"),
        ({"metrics": {1: 2}}, "text keys"),
        ({"verdict": "maybe"}, "accept, review or reject"),
        ({"method": " "}, "non-blank"),
        ({"sample_tasks": ["t1", "t1"]}, "each task drawn once, got 't1' twice"),
        (
            {"sampling_plan": {"lot_size": 2, "sample_size": 2, "accept_number": 1, "reject_number": 1}},
            "accept_number <",
        ),
        ({"sampling_plan": {"lot_size": 2}}, r"sampling_plan.sample_size"),
        ({"contract_sha256": "0" * 64}, "SHA-256 of contract_toml"),
        ({"contract_sha256": "xyz"}, "64 hex digits"),
    ],
)
def test_bad_audit_fields_are_invalid_input_and_change_nothing(
    scale: Store,
    tmp_path: Path,
    take_snapshot: Callable[[], Snapshot],
    change: dict[str, Any],
    message: str,
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    before = take_snapshot()
    with pytest.raises(InvalidInputError, match=message):
        scale.add_audit(audit_of(batch, **change), files={"consensus": consensus_file(tmp_path)})
    assert take_snapshot() == before


@pytest.mark.parametrize(
    ("finding", "message"),
    [
        ({"severity": "urgent"}, r"field 'findings\[0\].severity': expected one of info, warning, critical"),
        ({"kind": "Bad Kind"}, r"findings\[0\].kind"),
        ({"detail": ""}, r"findings\[0\].detail"),
        ({"evidence": {"score": float("nan")}}, r"findings\[0\].evidence.score"),
        ({"evidence": [1, 2]}, r"findings\[0\].evidence': expected an object"),
    ],
)
def test_bad_findings_are_invalid_input(
    scale: Store, tmp_path: Path, finding: dict[str, Any], message: str
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    good = FindingCreate(
        kind="pii", severity="warning", detail="An email.", clause=None, evidence={}, action=None
    )
    with pytest.raises(InvalidInputError, match=message):
        scale.add_audit(audit_of(batch, findings=[replace(good, **finding)]), files={})
    assert scale.list_audits() == []


def test_plain_json_turns_numpy_and_dates_into_json_and_nan_into_null_when_asked() -> None:
    value = {
        "a": np.int64(3),
        "b": np.array([1.5, np.nan]),
        "c": datetime(2026, 1, 2, tzinfo=UTC),
        "d": (np.bool_(True),),
    }
    assert plain_json(value, "m", non_finite="null") == {
        "a": 3,
        "b": [1.5, None],
        "c": "2026-01-02T00:00:00+00:00",
        "d": [True],
    }
    assert type(plain_json(np.int64(3), "m")) is int
    with pytest.raises(InvalidInputError, match=r"field 'm.b\[1\]'"):
        plain_json(value, "m")


def test_numpy_values_are_stored_as_plain_numbers(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    metrics = {"n_tasks": np.int64(2), "accuracy": np.float32(0.5), "per_class": np.array([0.25, 0.75])}
    added = scale.add_audit(audit_of(batch, metrics=metrics), files={})
    assert scale.get_audit(added.id).metrics == {"n_tasks": 2, "accuracy": 0.5, "per_class": [0.25, 0.75]}


def test_a_known_contract_can_be_named_by_its_sha256_alone(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    first = scale.add_audit(audit_of(batch), files={})
    again = scale.add_audit(
        audit_of(batch, contract_toml=None, contract_sha256=first.contract_sha256), files={}
    )
    assert again.contract_sha256 == first.contract_sha256
    with pytest.raises(NotFoundError, match=r"unknown contract 000000000000\.\.\.: give its text"):
        scale.add_audit(audit_of(batch, contract_toml=None, contract_sha256="0" * 64), files={})
    with pytest.raises(InvalidInputError):
        scale.get_contract("abc")


def test_the_audit_log_has_one_line_per_audit_in_its_transaction(scale: Store, tmp_path: Path) -> None:
    batch = add_batch(scale, tmp_path / "in")
    added = scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path)})
    lines = scale.audit_log(subject="audit:a1")
    assert [e.action for e in lines] == ["audit.created"]
    assert lines[0].detail == {
        "batch": batch.sha256,
        "verdict": "review",
        "method": "ds",
        "contract_sha256": added.contract_sha256,
        "n_findings": 2,
        "files": {"consensus": added.files[0].path},
    }
    assert [e.action for e in scale.audit_log()][-2:] == ["contract.stored", "audit.created"]


def test_a_failure_after_the_rename_leaves_everything_as_it_was(
    scale: Store, tmp_path: Path, take_snapshot: Callable[[], Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path / "0")})
    before = take_snapshot()
    real, calls = os.replace, itertools.count()

    def flaky(src: Any, dst: Any) -> None:
        if next(calls) == 1:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr("labelpact.store.blobs.os.replace", flaky)
    extra = tmp_path / "1" / "issues.csv"
    consensus = consensus_file(tmp_path / "1")
    extra.write_bytes(b"task,quality\n")
    new = audit_of(batch, contract_toml=CONTRACT + "# changed\n")  # a new contract row too
    with pytest.raises(OSError, match="No space left"):
        scale.add_audit(new, files={"consensus": consensus, "issues": extra})
    assert take_snapshot() == before


def test_a_failed_commit_leaves_everything_as_it_was(
    scale: Store, tmp_path: Path, take_snapshot: Callable[[], Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    before = take_snapshot()

    def refuse(dbapi_connection: Any) -> None:
        raise RuntimeError("commit refused")

    monkeypatch.setattr(scale._engine.dialect, "do_commit", refuse)
    with pytest.raises(RuntimeError, match="commit refused"):
        scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path)})
    monkeypatch.undo()
    assert take_snapshot() == before


def test_sweep_keeps_audit_files_and_removes_unreferenced_audit_folders(
    scale: Store, settings: Settings, tmp_path: Path
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    kept: AuditRecord = scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path)})
    orphan = settings.blob_root / "audits" / "ab" / ("ab" * 16)
    orphan.mkdir(parents=True)
    (orphan / "consensus.parquet").write_bytes(b"never committed")
    hour_ago = (datetime.now().timestamp() - 7200,) * 2
    os.utime(orphan, hour_ago)
    for path in settings.blob_root.rglob("*"):
        if "audits/" in path.as_posix() and orphan not in (path, path.parent):
            os.utime(path, hour_ago)
    assert scale.sweep_orphans() == [f"audits/ab/{'ab' * 16}"]
    assert scale.blob_path(kept.files[0]).is_file()


@pytest.mark.parametrize("table", ["audits", "findings", "audit_files", "contracts"])
def test_the_database_refuses_to_rewrite_audits(
    scale: Store, settings: Settings, tmp_path: Path, table: str
) -> None:
    batch = add_batch(scale, tmp_path / "in")
    added = scale.add_audit(audit_of(batch), files={"consensus": consensus_file(tmp_path)})
    engine = create_store_engine(settings.db_url)
    try:
        for statement in (
            f"UPDATE {table} SET sha256 = sha256"
            if table != "audits" and table != "findings"
            else f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
        ):
            with pytest.raises(sa.exc.DatabaseError, match=f"{table} is append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert scale.get_audit(added.id) == added


def test_the_store_offers_no_way_to_change_or_remove_audits() -> None:
    verbs = ("update", "delete", "remove", "drop", "edit", "truncate", "set_audit", "replace")
    assert [name for name in dir(Store) if name.startswith(verbs)] == []
