"""Hand-checked small files in every format: counts, vocabularies, codes, optional columns, gold, payloads."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import Delivery, read_annotations, read_delivery, read_gold, read_tasks

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"
CLASSES = ("1", "2", "7", "10")


def _labels(d: Delivery) -> list[tuple[str, str, str]]:
    a = d.annotations
    return [
        (a.tasks[t], a.workers[w], a.classes[y]) for t, w, y in zip(a.task, a.worker, a.label, strict=True)
    ]


# basic.* : 8 rows = 6 annotations + 1 abstention (0002 by w2) + 1 task without labels (0003);
# (0002, w1) is labelled twice; labels are numbers kept as text and ordered 1 < 2 < 10.
BASIC = [
    ("0001", "w1", "1"),
    ("0001", "w2", "1"),
    ("0001", "w3", "10"),
    ("0002", "w1", "2"),
    ("0002", "w1", "2"),
    ("0004", "w3", "10"),
]


@pytest.mark.parametrize("name", ["basic.csv", "basic.tsv", "basic.csv.gz", "basic.jsonl"])
def test_basic_file_in_every_text_format(name: str) -> None:
    d = read_delivery(GOOD / name)
    a = d.annotations
    assert d.format == {"tsv": "tsv", "jsonl": "jsonl"}.get(name.split(".")[1], "csv")
    assert (d.n_rows, a.n_annotations, d.n_abstentions, d.n_cancelled) == (8, 6, 1, 0)
    assert a.tasks == ("0001", "0002", "0003", "0004")
    assert a.workers == ("w1", "w2", "w3")
    assert a.classes == ("1", "2", "10")
    assert _labels(d) == BASIC
    assert d.tasks_without_labels == ("0003",)
    assert (d.n_duplicates, d.n_duplicates_dropped) == (1, 0)
    assert a.labels_per_task().tolist() == [3, 2, 0, 1]
    assert a.duration_s is not None and a.submitted_at is not None and a.started_at is None
    np.testing.assert_array_equal(a.duration_s, [12.5, 8.0, np.nan, 3.25, 5.0, 1.0])
    expected_times = ["2026-11-01T10:00", "2026-11-01T10:01", "2026-11-01T09:02", "NaT", "2026-11-01T10:06"]
    assert a.submitted_at[:5].astype("datetime64[m]").astype(str).tolist() == expected_times
    assert a.submitted_at[5] == np.datetime64("2026-11-01T10:07:00.250")
    assert dict(d.columns) == {
        "task": "task",
        "worker": "worker",
        "label": "label",
        "duration_s": "duration_s",
        "submitted_at": "submitted_at",
    }
    assert d.gold is None and d.payloads is None


def test_parquet_casts_numbers_to_text_and_keeps_native_times() -> None:
    d = read_delivery(GOOD / "basic.parquet")
    a = d.annotations
    assert d.format == "parquet" and dict(d.columns)["task"] == "item"
    assert a.tasks == ("1", "2", "3") and a.classes == ("0", "1")
    assert _labels(d) == [("1", "w1", "1"), ("1", "w2", "0"), ("2", "w1", "1"), ("2", "w3", "1")]
    assert (d.n_rows, d.n_abstentions, d.tasks_without_labels) == (6, 1, ("3",))
    assert a.started_at is not None
    assert (a.started_at - np.datetime64("1970-01-01T00:00:00", "ms")).astype(int).tolist() == [
        0,
        1000,
        2000,
        5000,
    ]
    np.testing.assert_array_equal(a.duration_s, [1.0, 2.0, np.nan, 6.0])


def test_aliases_quotes_multiline_values_and_whitespace() -> None:
    d = read_delivery(GOOD / "aliases.csv")
    assert dict(d.columns) == {
        "task": "item",
        "worker": "annotator",
        "label": "label",
        "duration_s": "lead_time",
        "submitted_at": "created_at",
    }
    # " yes " is "yes": surrounding whitespace is not part of a name
    assert _labels(d) == [("a", "5", "yes"), ("a", "6", "no"), ("b", "5", "yes"), ("b", "7", "yes")]
    assert d.annotations.classes == ("no", "yes")


def test_line_numbers_count_multiline_values(tmp_path: Path) -> None:
    """The third data row starts on line 5 because the second spans two lines."""
    target = tmp_path / "multi.csv"
    target.write_text('task,worker,label,note\n1,a,x,plain\n2,b,y,"two\nlines"\n3,,z,bad\n')
    with pytest.raises(InvalidInputError, match=r"multi.csv, line 5, column 'worker'"):
        read_delivery(target)


def test_python_csv_reference_agrees() -> None:
    """An independent reader (the csv module) gives the same names row by row."""
    with (GOOD / "basic.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["label"].strip() and r["worker"]]
    assert [(r["task"], r["worker"], r["label"]) for r in rows] == _labels(read_delivery(GOOD / "basic.csv"))


def test_classes_fix_the_vocabulary_and_its_order() -> None:
    a = read_annotations(GOOD / "basic.csv", classes=["10", "2", "1", "unused"])
    assert a.classes == ("10", "2", "1", "unused")
    assert [a.classes[y] for y in a.label] == [y for _, _, y in BASIC]


@pytest.mark.parametrize(("policy", "kept"), [("first", 3.25), ("last", 5.0)])
def test_duplicate_policies(policy: str, kept: float) -> None:
    d = read_delivery(GOOD / "basic.csv", duplicates=policy)  # type: ignore[arg-type]
    assert (d.n_duplicates, d.n_duplicates_dropped, d.annotations.n_annotations) == (1, 1, 5)
    pair = (d.annotations.task == 1) & (d.annotations.worker == 0)
    assert d.annotations.duration_s is not None
    assert d.annotations.duration_s[pair].tolist() == [kept]


def test_strict_refuses_the_abstention() -> None:
    with pytest.raises(InvalidInputError, match=r"basic.csv, line 6, column 'label'"):
        read_delivery(GOOD / "basic.csv", strict=True)


def test_a_gold_class_nobody_chose_is_refused_unless_the_classes_list_it() -> None:
    # before: gold '7' silently became a fourth class, and the consensus of task 0004 became it
    with pytest.raises(InvalidInputError, match=r"gold.csv, line 3, column 'label'.*--classes.*got '7'"):
        read_delivery(GOOD / "basic.csv", gold=GOOD / "gold.csv")
    d = read_delivery(GOOD / "basic.csv", gold=GOOD / "gold.csv", tasks=GOOD / "tasks.csv", classes=CLASSES)
    a = d.annotations
    assert a.classes == ("1", "2", "7", "10")  # 7 is gold only, nobody chose it, the list names it
    assert [y for _, _, y in _labels(d)] == [y for _, _, y in BASIC]
    assert d.gold is not None
    pairs = sorted((a.tasks[t], a.classes[y]) for t, y in zip(d.gold.task, d.gold.label, strict=True))
    assert pairs == [("0001", "1"), ("0003", "2"), ("0004", "7")]  # the repeated 0001,1 counts once
    assert d.payloads is not None
    assert d.payloads.task == ("0001", "0002", "0003", "0004")
    assert d.payloads.fields["text"] == ("Hello there", "Call me at 555-0100", None, "Fourth")
    assert d.payloads.fields["source"][1] == "forum"


def test_read_gold_and_read_tasks_helpers() -> None:
    a = read_annotations(GOOD / "basic.csv", classes=CLASSES)
    same, gold = read_gold(GOOD / "gold.csv", a)
    assert same.classes == ("1", "2", "7", "10") and len(gold) == 3
    with pytest.raises(InvalidInputError, match=r"gold.csv, line 3, column 'label'.*'7'"):
        read_gold(GOOD / "gold.csv", read_annotations(GOOD / "basic.csv"), classes_fixed=True)
    assert len(read_tasks(GOOD / "tasks.csv")) == 4


def test_label_studio_full_json_by_hand() -> None:
    d = read_delivery(GOOD / "labelstudio.json")
    a = d.annotations
    assert d.format == "labelstudio-json"
    # user objects give their email, else their id; cancelled records are counted, never labels
    assert _labels(d) == [("11", "ann@example.org", "Business"), ("11", "8", "World"), ("12", "8", "Sports")]
    assert (d.n_rows, d.n_cancelled, d.n_abstentions) == (7, 2, 1)
    assert a.tasks == ("11", "12", "13", "14")
    assert d.tasks_without_labels == ("13", "14")  # 13 only skipped, 14 never annotated
    assert d.gold is not None and d.gold.task.tolist() == [0] and a.classes[d.gold.label[0]] == "Business"
    assert d.payloads is not None and d.payloads.fields["meta"] == ('{"lang": "en"}', None, None, None)
    assert a.duration_s is not None and a.duration_s.tolist() == [3.5, 2.0, 1.0]


def test_progress_reaches_the_file_size() -> None:
    calls: list[tuple[int, int]] = []
    read_delivery(GOOD / "basic.csv", progress=lambda done, total: calls.append((done, total)))
    size = (GOOD / "basic.csv").stat().st_size
    assert calls and calls[-1] == (size, size)
    assert all(0 <= done <= total == size for done, total in calls)


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    target = tmp_path / "labels.txt"
    target.write_bytes((GOOD / "basic.tsv").read_bytes())
    assert read_delivery(target, format="tsv").annotations.n_annotations == 6
    with pytest.raises(InvalidInputError, match="format"):
        read_delivery(target, format="xml")


def test_byte_order_mark_and_crlf(tmp_path: Path) -> None:
    target = tmp_path / "bom.csv"
    target.write_bytes(b"\xef\xbb\xbftask,worker,label\r\n1,a,x\r\n2,,y\r\n")
    with pytest.raises(InvalidInputError, match=r"bom.csv, line 3, column 'worker'"):
        read_delivery(target)
    target.write_bytes(b"\xef\xbb\xbftask,worker,label\r\n1,a,x\r\n")
    assert read_delivery(target).annotations.tasks == ("1",)
