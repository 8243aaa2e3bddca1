"""Issue 10, input you can trust: nothing a parser accepts silently loses rows or invents classes.

Each test here failed before its fix: the stray quote stored 3 annotations out of 600 rows, ``1`` and
``1.0`` became two classes without a word, a label over two lines became a class, a gold label nobody
chose became a class, Label Studio CSV needed ``--task-column id --label-column topic``, deep JSON
crashed the reader, and a spreadsheet ran ``=HYPERLINK(...)`` from an exported consensus.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelpact.core.annotations import Annotations, Gold
from labelpact.errors import InvalidInputError
from labelpact.io import read_delivery
from labelpact.io.export import (
    neutralise_formulas,
    restore_neutralised,
    write_annotations,
    write_consensus,
    write_gold,
    write_rows,
)
from labelpact.io.limits import DEFAULT_LIMITS, LIMITS_TABLE, Limits
from labelpact.io.nesting import check_json_depth

SAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "samples" / "labelstudio"
H = "task,worker,label\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


# -- 1. swallowed lines ------------------------------------------------------------------------------


def test_the_600_row_file_with_one_stray_quote_is_refused_at_the_quote(tmp_path: Path) -> None:
    rows = "".join(f"{i},w{i % 7},{'xy'[i % 2]}\n" for i in range(4, 600))
    labels = _write(tmp_path / "labels.csv", H + '1,a,x\n2,b,y\n3,c,"x\n' + rows)
    with pytest.raises(InvalidInputError, match=r"labels.csv, line 4, column 'label'.*over 598 lines"):
        read_delivery(labels)


def test_a_payload_over_several_lines_is_kept_and_counted(tmp_path: Path) -> None:
    text = 'task,worker,label,comment\n1,a,x,"two\nlines"\n1,b,y,ok\n2,a,x,"a, b\n\nc"\n'
    d = read_delivery(_write(tmp_path / "wrapped.csv", text))
    assert (d.n_rows, d.annotations.n_annotations) == (3, 3)
    assert len(d.warnings) == 1 and "2 value(s) in column 'comment'" in d.warnings[0]
    assert "line 2" in d.warnings[0]


def test_a_file_with_one_line_per_row_searches_no_values(tmp_path: Path) -> None:
    d = read_delivery(_write(tmp_path / "plain.csv", H + '1,a,"x, quoted"\n2,b,y\n'))
    assert d.warnings == () and d.annotations.classes == ("x, quoted", "y")


def test_blank_lines_and_cr_line_ends_are_not_line_breaks_in_values(tmp_path: Path) -> None:
    d = read_delivery(_write(tmp_path / "blank.csv", H + "1,a,x\n\n2,b,y\n\n"))
    assert d.n_rows == 2 and d.warnings == ()
    cr = read_delivery(_write(tmp_path / "cr.csv", (H + "1,a,x\n2,b,y\n").replace("\n", "\r")))
    assert cr.n_rows == 2 and cr.warnings == ()


# -- 4. labels that are not what they look like -------------------------------------------------------


def test_one_number_spelled_three_ways_is_a_warning_with_counts(tmp_path: Path) -> None:
    labels = _write(tmp_path / "n.csv", H + "1,a,1\n1,b,1.0\n2,a,01\n2,b,2\n3,a,1\n3,b,+2\n")
    d = read_delivery(labels)
    assert d.annotations.classes == ("01", "1", "1.0", "+2", "2") or len(d.annotations.classes) == 5
    assert len(d.warnings) == 2
    ones = next(w for w in d.warnings if "'1' (2 rows)" in w)
    assert "'01' (1 row)" in ones and "'1.0' (1 row)" in ones and "--strict" in ones
    with pytest.raises(InvalidInputError, match=r"line 3, column 'label': expected one spelling per number"):
        read_delivery(labels, strict=True)


def test_words_and_non_finite_numbers_are_never_grouped(tmp_path: Path) -> None:
    d = read_delivery(_write(tmp_path / "w.csv", H + "1,a,nan\n1,b,NaN\n2,a,inf\n2,b,yes\n"))
    assert d.warnings == ()


def test_spellings_a_contract_lists_but_nobody_used_are_not_reported(tmp_path: Path) -> None:
    d = read_delivery(
        _write(tmp_path / "c.csv", H + "1,a,1\n1,b,2\n"), classes=["1", "1.0", "2"], strict=True
    )
    assert d.warnings == () and d.annotations.classes == ("1", "1.0", "2")


def test_a_label_over_two_lines_is_refused_in_every_format(tmp_path: Path) -> None:
    jsonl = tmp_path / "l.jsonl"
    jsonl.write_text(json.dumps({"task": "1", "worker": "a", "label": "pos\nneg"}) + "\n")
    with pytest.raises(InvalidInputError, match=r"line 1, column 'label': expected a label on one line"):
        read_delivery(jsonl)
    quoted = _write(tmp_path / "q.csv", H + '1,a,"pos\nneg"\n2,a,pos\n')
    with pytest.raises(InvalidInputError, match=r"q.csv, line 2, column 'label'"):
        read_delivery(quoted)


def test_gold_outside_the_classes_is_refused_and_inside_is_kept(tmp_path: Path) -> None:
    labels = _write(tmp_path / "l.csv", H + "1,a,yes\n1,b,no\n2,a,yes\n")
    gold = _write(tmp_path / "g.csv", "task,label\n1,yes\n2,maybe\n")
    with pytest.raises(InvalidInputError, match=r"g.csv, line 3, column 'label'.*'maybe'"):
        read_delivery(labels, gold=gold)
    d = read_delivery(labels, gold=gold, classes=["yes", "no", "maybe"])
    assert d.gold is not None and d.annotations.classes[d.gold.label[1]] == "maybe"


# -- 11. Label Studio flat exports ----------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"Label Studio samples not found at {SAMPLES}")
@pytest.mark.parametrize("name", ["export.csv", "export_min.json", "export.tsv"])
def test_label_studio_flat_exports_need_no_column_options(name: str, tmp_path: Path) -> None:
    path = SAMPLES / name
    if name == "export.tsv":  # Label Studio's TSV is its CSV with tabs; made from the real CSV here
        with (SAMPLES / "export.csv").open(newline="", encoding="utf-8") as source:
            rows = list(csv.reader(source))
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows(rows)
    auto = read_delivery(path)
    named = read_delivery(SAMPLES / "export.csv", task_column="id", label_column="topic")
    assert dict(auto.columns) == dict(named.columns)
    assert {k: auto.columns[k] for k in ("task", "worker", "label")} == {
        "task": "id",
        "worker": "annotator",
        "label": "topic",
    }
    assert auto.notes == ("read as a Label Studio export: task 'id', worker 'annotator', label 'topic'",)
    assert (auto.n_rows, auto.annotations.n_annotations) == (83, 82)
    a, b = auto.annotations, named.annotations
    assert (a.tasks, a.workers, a.classes) == (b.tasks, b.workers, b.classes)
    np.testing.assert_array_equal(a.label, b.label)
    assert auto.payloads is not None and set(auto.payloads.fields) == {"headline", "source_id"}


def test_without_an_empty_task_row_the_varying_column_is_the_choice(tmp_path: Path) -> None:
    text = (
        '"annotation_id","annotator","headline","id","topic"\n'
        '1,"2","Rates rise",1,"Business"\n2,"3","Rates rise",1,"World"\n3,"2","Cup final",2,"Sports"\n'
    )
    d = read_delivery(_write(tmp_path / "ls.csv", text))
    assert d.columns["label"] == "topic" and d.annotations.classes == ("Business", "Sports", "World")


def test_perfect_agreement_leaves_the_choice_ambiguous_and_says_so(tmp_path: Path) -> None:
    text = '"annotation_id","annotator","headline","id","topic"\n1,"2","Rates rise",1,"Business"\n'
    with pytest.raises(InvalidInputError, match=r"several candidates: 'headline', 'topic'"):
        read_delivery(_write(tmp_path / "ls.csv", text))
    assert read_delivery(tmp_path / "ls.csv", label_column="topic").annotations.classes == ("Business",)


# -- 13. nesting depth ------------------------------------------------------------------------------------


def _reference_depth(text: str, per_line: bool) -> int:
    """Deepest nesting outside strings, by a plain character loop (the independent reference)."""
    best = depth = 0
    inside = escaped = False
    for ch in text:
        if per_line and ch == "\n":
            depth, inside, escaped = 0, False, False
            continue
        was, escaped = escaped, ch == "\\" and not escaped
        if ch == '"' and not was:
            inside = not inside
        elif not inside and ch in "[{":
            depth += 1
            best = max(best, depth)
        elif not inside and ch in "]}":
            depth -= 1
    return best


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='[]{}"\\\n ab,:', max_size=80), per_line=st.booleans(), limit=st.integers(0, 6))
def test_depth_scan_matches_a_character_loop(text: str, per_line: bool, limit: int) -> None:
    import labelpact.io.nesting as nesting

    data = text.encode()
    block, nesting._BLOCK = nesting._BLOCK, 7  # type: ignore[misc]  # blocks of 7 bytes cross every boundary
    try:
        check_json_depth(lambda: io.BytesIO(data), file=Path("x.json"), limit=limit, per_line=per_line)
        deep = False
    except InvalidInputError:
        deep = True
    finally:
        nesting._BLOCK = block  # type: ignore[misc]
    assert deep == (_reference_depth(text, per_line) > limit)


def test_brackets_inside_strings_do_not_count(tmp_path: Path) -> None:
    line = json.dumps({"task": "1", "worker": "a", "label": "[" * 100 + '\\"{{{'}) + "\n"
    path = tmp_path / "s.jsonl"
    path.write_text(line * 3)
    assert read_delivery(path, limits=Limits(max_label_chars=200)).n_rows == 3


# -- 16. limits --------------------------------------------------------------------------------------------


def test_limits_are_documented_and_configurable(tmp_path: Path) -> None:
    assert {name for name, _, _ in LIMITS_TABLE} == set(Limits.__dataclass_fields__)
    labels = _write(tmp_path / "l.csv", H + "1,a,x\n1,b,y\n2,a,z\n")
    assert read_delivery(labels).annotations.n_classes == 3
    with pytest.raises(InvalidInputError, match=r"at most 2 distinct labels.*got 3"):
        read_delivery(labels, limits=Limits(max_classes=2))
    with pytest.raises(InvalidInputError, match=r"line 2, column 'task'.*at most 0 characters"):
        read_delivery(labels, limits=Limits(max_name_chars=0))
    assert DEFAULT_LIMITS.max_classes >= 1000 and DEFAULT_LIMITS.max_json_depth >= 16


# -- 14. CSV formula injection ---------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://x")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "plain",
    "-1",
    "+2.5",
    "3e-4",
]
SAFE = [
    '\'=HYPERLINK("http://x")',
    "'+1+2",
    "'-2+3",
    "'@SUM(A1)",
    "'\tTAB",
    "'\rCR",
    "plain",
    "-1",
    "+2.5",
    "3e-4",
]


def test_neutralise_follows_the_owasp_rule_and_leaves_numbers() -> None:
    table = pa.table({"name": HOSTILE, "n": list(range(len(HOSTILE)))})
    out = neutralise_formulas(table)
    assert out["name"].to_pylist() == SAFE and out["n"].to_pylist() == list(range(len(HOSTILE)))


def test_restore_neutralised_undoes_exactly_what_neutralise_did() -> None:
    table = pa.table({"name": HOSTILE})
    back = [restore_neutralised(v) for v in neutralise_formulas(table)["name"].to_pylist()]
    assert back == HOSTILE
    for kept in ("'plain", "'-1", "'", "''=x", "ok"):  # not a cell neutralise would have made
        assert restore_neutralised(kept) == kept


def _cells(path: Path) -> list[str]:
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    return [str(v) for name in table.column_names for v in table[name].to_pylist()]


def test_every_csv_writer_neutralises_vendor_values(tmp_path: Path) -> None:
    n = len(HOSTILE)
    a = Annotations(
        task=np.arange(n),
        worker=np.arange(n),
        label=np.arange(n),
        tasks=tuple(f"t{x}" for x in HOSTILE),
        workers=tuple(HOSTILE),
        classes=tuple(HOSTILE),
    )
    for path in (write_annotations(a, tmp_path / "a.csv"), write_annotations(a, tmp_path / "a.tsv")):
        text = path.read_text()
        assert "'=HYPERLINK" in text and "'@SUM" in text
    cells = _cells(write_gold(a, Gold(task=np.arange(n), label=np.arange(n)), tmp_path / "g.csv"))
    assert all(not c.startswith(("=", "+", "@", "\t", "\r")) or c == "+2.5" for c in cells)
    consensus = write_consensus(HOSTILE, HOSTILE, np.ones(n), tmp_path / "c.csv")
    assert _cells(consensus)[:n] == SAFE
    rows = write_rows([{"worker": w, "tags": [w, "x"]} for w in HOSTILE], tmp_path / "r.csv")
    assert _cells(rows)[:n] == SAFE


def test_the_limits_page_shows_every_limit_with_its_default() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "input-limits.md").read_text(encoding="utf-8")
    for name, _, _ in LIMITS_TABLE:
        assert f"| `{name}` | {getattr(DEFAULT_LIMITS, name):,} |" in page, name


def test_json_lines_keep_every_digit_of_a_large_integer_id(tmp_path: Path) -> None:
    """pyarrow reads 12345678901234567890123 as a double; two such task ids could have become one task."""
    path = tmp_path / "ids.jsonl"
    rows = [{"task": 12345678901234567890123 + k, "worker": "a", "label": "x"} for k in range(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert read_delivery(path).annotations.tasks == ("12345678901234567890123", "12345678901234567890124")


def test_a_json_line_object_broken_over_two_lines_is_named(tmp_path: Path) -> None:
    path = tmp_path / "split.jsonl"
    path.write_text(
        '{"task": "1", "worker": "a", "label": "x"}\n{"task": "2", "worker": "b"\n, "label": "y"}\n'
    )
    with pytest.raises(InvalidInputError, match=r"split.jsonl, line 2: expected one JSON object per line"):
        read_delivery(path)


def test_contract_toml_that_crashed_the_parser_is_one_line(tmp_path: Path) -> None:
    from labelpact.io.contract import read_contract

    deep = _write(tmp_path / "deep.toml", "[labels]\nclasses = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InvalidInputError, match=r"deep.toml: expected TOML without deeply nested arrays"):
        read_contract(deep)
    huge = _write(tmp_path / "huge.toml", "[acceptance]\naql = " + "1" * 5000 + "\n")
    with pytest.raises(InvalidInputError, match=r"huge.toml: expected valid TOML.*digits"):
        read_contract(huge)


def test_a_raised_label_limit_never_lets_json_recurse(tmp_path: Path) -> None:
    """Found by benchmarks/fuzz.py: a JSON_MIN label of 30,000 '[' reached json.loads (RecursionError)."""
    path = tmp_path / "deep_label.json"
    path.write_text(json.dumps([{"id": 1, "topic": "[" * 30000, "annotator": 2, "annotation_id": 1}]))
    d = read_delivery(path, limits=Limits(max_label_chars=100_000))
    assert d.annotations.classes == ("[" * 30000,)
