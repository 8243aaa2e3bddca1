"""Dialects real exporters write: a ``.csv`` split by semicolons, tabs or pipes (the header says which), and
JSON with Python's ``NaN`` for a missing value; ``Infinity`` is refused with its line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery, read_gold
from labelpact.io.delimited import header_delimiter
from labelpact.io.deliverable import detect_kind
from labelpact.scale.parts import read_gold_names

GOOD = Path(__file__).resolve().parents[2] / "data" / "good"


def _rewritten(delimiter: str, *, quote_all: bool) -> bytes:
    """basic.csv written again with another delimiter (Python's csv module as the reference writer)."""
    rows = list(csv.reader(io.StringIO((GOOD / "basic.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("header", "fmt", "expected"),
    [
        ("task,worker,label", "csv", ","),
        ("task;worker;label", "csv", ";"),
        ('"task";"worker";"label"', "csv", ";"),
        ("task\tworker\tlabel", "csv", "\t"),
        ("task|worker|label", "csv", "|"),
        ("task,worker;note,label", "csv", ","),  # a header the comma splits is read with commas
        ("task;worker,note;label", "csv", ","),  # two columns by the comma already: never overridden
        ("task", "csv", ","),  # one column whatever the delimiter: the format's, and the reader names the gap
        ("task\tworker", "tsv", "\t"),
        ("task,worker,label", "tsv", ","),
        ('"a;b"', "csv", ","),  # a delimiter inside quotes splits nothing
    ],
)
def test_header_delimiter(header: str, fmt: str, expected: str) -> None:
    assert header_delimiter(header, fmt) == expected


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
@pytest.mark.parametrize("quote_all", [False, True])
def test_a_csv_split_by_another_delimiter_reads_as_the_comma_file(
    tmp_path: Path, delimiter: str, quote_all: bool
) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(_rewritten(delimiter, quote_all=quote_all))
    reference, other = read_delivery(GOOD / "basic.csv"), read_delivery(target)
    a, b = reference.annotations, other.annotations
    assert (b.tasks, b.workers, b.classes) == (a.tasks, a.workers, a.classes)
    assert b.task.tolist() == a.task.tolist() and b.label.tolist() == a.label.tolist()
    assert (other.n_rows, other.n_abstentions, other.n_duplicates) == (8, 1, 1)
    np.testing.assert_array_equal(b.duration_s, a.duration_s)
    assert detect_kind(target) == "labels"


def test_a_semicolon_value_holding_commas_and_a_ragged_row(tmp_path: Path) -> None:
    target = tmp_path / "eu.csv"
    target.write_text('task;worker;label\n"t1";"w1";"yes, mostly"\nt1;w2;no\n', encoding="utf-8")
    assert read_delivery(target).annotations.classes == ("no", "yes, mostly")
    target.write_text("task;worker;label\nt1;w1;yes\nt1;w2\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"eu.csv, line 3: expected 3 fields as in the header, got 2"):
        read_delivery(target)


def test_gold_split_by_semicolons_in_process_and_for_dask(tmp_path: Path) -> None:
    target = tmp_path / "gold.csv"
    target.write_text("task;label\n0001;1\n0004;10\n", encoding="utf-8")
    assert read_gold_names(target).to_dict() == {"0001": "1", "0004": "10"}
    (tmp_path / "gold.json").write_text('[{"task": "0001", "label": "1"}]', encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match=r"gold.json: expected a gold file \(CSV, TSV, JSON Lines or Parquet\)"
    ):
        read_gold_names(tmp_path / "gold.json")
    a, gold = read_gold(target, read_delivery(GOOD / "basic.csv").annotations)
    named = {a.tasks[t]: a.classes[y] for t, y in zip(gold.task, gold.label, strict=True)}
    assert named == {"0001": "1", "0004": "10"}


def _basic_records() -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (GOOD / "basic.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]


def test_nan_in_json_lines_and_json_is_a_missing_value(tmp_path: Path) -> None:
    reference = read_delivery(GOOD / "basic.jsonl")
    lines = (GOOD / "basic.jsonl").read_text(encoding="utf-8").replace("null", "NaN")
    assert "NaN" in lines
    (tmp_path / "nan.jsonl").write_text(lines, encoding="utf-8")
    records = _basic_records()
    text = json.dumps(records).replace("null", "NaN")
    (tmp_path / "nan.json").write_text(text, encoding="utf-8")
    for name in ("nan.jsonl", "nan.json"):
        d = read_delivery(tmp_path / name)
        assert d.annotations.label.tolist() == reference.annotations.label.tolist()
        assert d.annotations.classes == reference.annotations.classes
        assert d.n_abstentions == reference.n_abstentions == 1


@pytest.mark.parametrize("token", ["Infinity", "-Infinity"])
def test_infinity_is_refused_with_its_line(tmp_path: Path, token: str) -> None:
    (tmp_path / "inf.jsonl").write_text(
        f'{{"task": "a", "worker": "w1", "label": "x"}}\n{{"task": "a", "worker": "w2", "label": {token}}}\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match=rf"inf.jsonl, line 2: .*non-standard JSON number {token}"):
        read_delivery(tmp_path / "inf.jsonl")
    (tmp_path / "inf.json").write_text(
        f'[{{"task": "a", "worker": "w1", "label": "x"}},\n {{"task": "a", "worker": "w2", "label": {token}}}]',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError, match=rf"inf.json, line 2: .*non-standard JSON number {token}"):
        read_delivery(tmp_path / "inf.json")


def test_a_directory_where_a_file_is_expected_is_named_so(tmp_path: Path) -> None:
    (tmp_path / "week1.csv").mkdir()
    with pytest.raises(InvalidInputError, match=r"week1.csv: expected an existing file, got a directory"):
        read_delivery(tmp_path / "week1.csv")
    with pytest.raises(InvalidInputError, match=r"week2.csv: expected an existing file, got no such file"):
        read_delivery(tmp_path / "week2.csv")


def test_utf16_text_is_named_as_such(tmp_path: Path) -> None:
    target = tmp_path / "excel.csv"
    target.write_bytes("task\tworker\tlabel\r\nt1\tw1\tx\r\n".encode("utf-16"))
    with pytest.raises(
        InvalidInputError, match=r"excel.csv: expected a UTF-8 text file \(CSV\), got UTF-16 text"
    ):
        read_delivery(target)


def test_errors_quote_the_value_not_its_numpy_type(tmp_path: Path) -> None:
    from labelpact.core.preferences import Comparisons
    from labelpact.io.predictions import read_pred_probs

    target = tmp_path / "preds.csv"
    target.write_text("task,a,b\nt1,1.5,0.2\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"preds.csv, line 2, column 'a': .* got 1.5$"):
        read_pred_probs(target, tasks=["t1"], classes=["a", "b"])
    with pytest.raises(InvalidInputError, match=r"column 'choice': .* got 'sideways'$"):
        Comparisons.from_columns(task=["t"], worker=["w"], left=["x"], right=["y"], choice=["Sideways"])
    with pytest.raises(InvalidInputError, match=r"column 'winner': .* got 'nobody'$"):
        Comparisons.from_winner(
            task=["t"], worker=["w"], response_a=["x"], response_b=["y"], winner=["nobody"]
        )


def test_a_truncated_or_corrupt_gzip_is_bad_input_not_an_abort(tmp_path: Path) -> None:
    import gzip

    from labelpact.cli.app import cli
    from labelpact.cli.exits import run

    whole = gzip.compress((GOOD / "basic.csv").read_bytes() * 40)
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        InvalidInputError, match=r"cut.csv.gz: expected a complete gzip file, got a stream that ends"
    ):
        read_delivery(tmp_path / "cut.csv.gz")
    (tmp_path / "plain.csv.gz").write_bytes((GOOD / "basic.csv").read_bytes())
    with pytest.raises(
        InvalidInputError, match=r"plain.csv.gz: expected a gzip file, got Not a gzipped file"
    ):
        read_delivery(tmp_path / "plain.csv.gz")
    assert run(cli, ["aggregate", str(tmp_path / "cut.csv.gz")]) == 2  # was click's abort: exit 130


def test_files_without_rows_say_so_in_their_own_terms(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    empty = pa.table({name: pa.array([], pa.string()) for name in ("task", "worker", "label")})
    pq.write_table(empty, tmp_path / "empty.parquet")
    with pytest.raises(
        InvalidInputError, match=r"empty.parquet: expected at least one annotation, got no rows$"
    ):
        read_delivery(tmp_path / "empty.parquet")
    (tmp_path / "header.csv").write_text("task,worker,label\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"header.csv, line 2: .* got only the header$"):
        read_delivery(tmp_path / "header.csv")
    (tmp_path / "blank.jsonl").write_text("\n\n{}\n", encoding="utf-8")
    with pytest.raises(
        InvalidInputError, match=r"blank.jsonl: expected one JSON object per line, got no keys"
    ):
        read_delivery(tmp_path / "blank.jsonl")


def test_a_contract_saved_with_a_byte_order_mark_reads_as_without(tmp_path: Path) -> None:
    from labelpact.io.contract import read_contract

    text = "[quality]\nmax_error_rate = 0.07\n"
    (tmp_path / "plain.toml").write_text(text, encoding="utf-8")
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # Windows Notepad's UTF-8
    plain, bom = read_contract(tmp_path / "plain.toml"), read_contract(tmp_path / "bom.toml")
    assert bom[1] == plain[1] == text and bom[0].sha256 == plain[0].sha256
    (tmp_path / "latin1.toml").write_bytes("[quality]\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(
        InvalidInputError, match=r"latin1.toml, line 2: expected UTF-8 text, got an undecodable byte"
    ):
        read_contract(tmp_path / "latin1.toml")


def test_a_json_list_or_object_as_a_label_task_or_worker_is_refused_by_record(tmp_path: Path) -> None:
    """Before: a list label became the class '["pos", "neg"]' (and an object task the task '{"id": 7}')
    when the file's types were mixed; a nested payload field stays its JSON text."""
    rows = [
        {"task": "t1", "worker": "w1", "label": "pos"},
        {"task": "t1", "worker": "w2", "label": ["pos", "neg"]},
        {"task": {"id": 7}, "worker": "w2", "label": "neg"},
    ]
    path = tmp_path / "nested.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as refused:
        read_delivery(path)
    message = str(refused.value)
    assert "nested.jsonl, line 2, column 'label'" in message and "got a JSON list" in message
    as_array = tmp_path / "nested.json"
    as_array.write_text(json.dumps([rows[0], rows[2]]), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"column 'task'.*got a JSON object"):
        read_delivery(as_array)
    fine = tmp_path / "payload.jsonl"
    fine.write_text(
        json.dumps({"task": "t1", "worker": "w1", "label": "a", "meta": {"x": 1}})
        + "\n"
        + json.dumps({"task": "t2", "worker": "w1", "label": 2, "meta": "plain"})
        + "\n",
        encoding="utf-8",
    )
    assert read_delivery(fine).annotations.classes == ("2", "a")


def test_a_submission_before_its_start_is_refused_at_its_line(tmp_path: Path) -> None:
    """Before: read, then the pay audit failed with "column 'duration_s' ... at row 1" (no file, a column
    the file does not have, and a row counted from the first data row)."""
    path = tmp_path / "times.csv"
    path.write_text(
        "task,worker,label,started_at,submitted_at\n"
        "t1,w1,a,2025-01-01T10:00:00,2025-01-01T10:02:00\n"
        "t1,w2,a,2025-01-01T10:01:00,2025-01-01T10:00:00\n"
        "t2,w1,b,2025-01-01T10:03:00,\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as refused:
        read_delivery(path)
    message = str(refused.value)
    assert "times.csv, line 3, column 'submitted_at': expected a time on or after 'started_at'" in message


def test_a_folder_or_glob_of_parts_says_the_dask_engine_reads_it(tmp_path: Path) -> None:
    """Before: a folder of Parquet parts was "expected a file ending in one of [...], got ''" in-process, and a
    glob "no such file", with no word that the Dask engine takes both."""
    (tmp_path / "parts").mkdir()
    with pytest.raises(
        InvalidInputError, match=r"parts: expected an existing file, got a directory \(a folder"
    ):
        read_delivery(tmp_path / "parts")
    with pytest.raises(
        InvalidInputError, match=r"got no such file \(a glob of Parquet parts is read by the Dask"
    ):
        read_delivery(tmp_path / "parts" / "*.parquet")
