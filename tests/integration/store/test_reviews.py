"""Reviews of an audit's sample: each one new, its results file kept, nothing overwritten."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from labelpact.config import Settings
from labelpact.errors import InvalidInputError, NotFoundError
from labelpact.store import Store

from .audit_case import add_batch, audit_of
from .conftest import Snapshot


@pytest.fixture
def audited(store: Store, tmp_path: Path) -> Store:
    store.add_partner("Scale")
    batch = add_batch(store, tmp_path / "in")
    store.add_audit(audit_of(batch), files={})
    return store


def _results(folder: Path, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "review.csv"
    path.write_bytes(content)
    return path


def test_reviews_round_trip_newest_first_and_each_keeps_its_file(
    audited: Store, settings: Settings, tmp_path: Path
) -> None:
    first = audited.add_review(
        "a1",
        results=_results(tmp_path / "1", b"task,label\nt1,pos\n"),
        n_inspected=2,
        n_defective=1,
        decision="reject",
        reviewer="ada",
    )
    second = audited.add_review(
        1,
        results=_results(tmp_path / "2", b"task,label\nt1,neg\n"),
        n_inspected=2,
        n_defective=0,
        decision="accept",
        reviewer=None,
    )
    assert (first.id, first.audit, first.decision, first.n_inspected, first.n_defective, first.reviewer) == (
        "r1",
        "a1",
        "reject",
        2,
        1,
        "ada",
    )
    assert first.file.role == "results" and first.file.path.startswith("reviews/")
    assert first.file.path.endswith("/results.csv")
    assert first.file.sha256 == hashlib.sha256(b"task,label\nt1,pos\n").hexdigest()
    assert audited.blob_path(first.file).read_bytes() == b"task,label\nt1,pos\n"
    assert audited.blob_path(second.file).read_bytes() == b"task,label\nt1,neg\n"
    with Store.open(settings) as reopened:
        assert reopened.list_reviews("a1") == [second, first]
    log = audited.audit_log(subject="audit:a1")
    assert [e.action for e in log] == ["audit.created", "review.recorded", "review.recorded"]
    assert log[1].detail == {
        "review": "r1",
        "decision": "reject",
        "n_inspected": 2,
        "n_defective": 1,
        "reviewer": "ada",
        "file": first.file.path,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_inspected": 2, "n_defective": 3}, "at most n_inspected=2"),
        ({"n_inspected": -1, "n_defective": 0}, "count >= 0"),
        ({"decision": "review"}, "accept or reject"),
        ({"reviewer": " "}, "non-blank reviewer"),
    ],
)
def test_bad_reviews_are_invalid_input_and_change_nothing(
    audited: Store,
    tmp_path: Path,
    take_snapshot: Callable[[], Snapshot],
    kwargs: dict[str, object],
    message: str,
) -> None:
    before = take_snapshot()
    args: dict[str, object] = {"n_inspected": 2, "n_defective": 0, "decision": "accept", "reviewer": None}
    with pytest.raises(InvalidInputError, match=message):
        audited.add_review("a1", results=_results(tmp_path, b"x"), **{**args, **kwargs})  # type: ignore[arg-type]
    assert take_snapshot() == before


def test_a_review_of_an_unknown_audit_or_file_changes_nothing(
    audited: Store, tmp_path: Path, take_snapshot: Callable[[], Snapshot]
) -> None:
    before = take_snapshot()
    with pytest.raises(NotFoundError, match="unknown audit 'a7'; latest audits: a1"):
        audited.add_review(
            "a7",
            results=_results(tmp_path, b"x"),
            n_inspected=1,
            n_defective=0,
            decision="accept",
            reviewer=None,
        )
    with pytest.raises(InvalidInputError, match="no such file"):
        audited.add_review(
            "a1",
            results=tmp_path / "absent.csv",
            n_inspected=1,
            n_defective=0,
            decision="accept",
            reviewer=None,
        )
    assert take_snapshot() == before
    with pytest.raises(NotFoundError):
        audited.list_reviews("a7")


def test_latest_review_decisions_gives_the_newest_decision_of_each_audit_in_one_read(
    audited: Store, tmp_path: Path
) -> None:
    batch = audited.list_batches()[0]
    audited.add_audit(audit_of(batch), files={})  # a2: never reviewed
    common = {"n_inspected": 2, "reviewer": "ada"}
    audited.add_review(
        "a1", results=_results(tmp_path / "1", b"a\n"), n_defective=1, decision="reject", **common
    )
    audited.add_review(
        "a1", results=_results(tmp_path / "2", b"b\n"), n_defective=0, decision="accept", **common
    )
    assert audited.latest_review_decisions(["a1", "a2"]) == {"a1": "accept"}
    assert audited.latest_review_decisions([]) == {}
    assert {r.id: r for r in audited.list_reviews("a1")}["r2"].decision == "accept"  # the newest, as listed
    assert (
        audited.latest_review_decisions(["a99"]) == {}
    )  # an audit with no review, known or not, has no decision
    with pytest.raises(InvalidInputError):
        audited.latest_review_decisions(["nonsense"])
