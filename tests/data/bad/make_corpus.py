"""Writes the malformed files of this folder and cases.json; run it from anywhere to regenerate them.

Each case: name, file (relative to this folder), kwargs for read_delivery (paths relative to this folder),
cli_args for `labelpact ingest FILE --partner P --project X ...`, and expect (substrings of the message).
"""

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

os.chdir(Path(__file__).resolve().parent)
cases: list[dict[str, Any]] = []


def text(name: str, content: str) -> None:
    with open(name, "w", newline="") as f:
        f.write(content)


def raw(name: str, content: bytes) -> None:
    with open(name, "wb") as f:
        f.write(content)


def case(name: str, file: str, expect: list[str], kwargs: dict[str, Any] | None = None) -> None:
    """One case; its CLI arguments are spelled from its keyword arguments."""
    kwargs = kwargs or {}
    cli: list[str] = []
    for k, v in kwargs.items():
        if k in ("gold", "tasks"):
            cli += [f"--{k}", v]
        elif k.endswith("_column"):
            cli += ["--" + k.replace("_", "-"), v]
        elif k == "classes":
            cli += ["--classes", ",".join(v)]
        elif k == "duplicates":
            cli += ["--duplicates", v]
        elif k == "strict":
            cli += ["--strict"]
        else:
            raise ValueError(k)
    cases.append({"name": name, "file": file, "kwargs": kwargs, "cli_args": cli, "expect": expect})


H = "task,worker,label\n"
case("missing file", "does_not_exist.csv", ["does_not_exist.csv", "no such file"])
raw("empty.csv", b"")
case("empty file", "empty.csv", ["empty.csv", "empty file"])
text("header_only.csv", H)
case("header without rows", "header_only.csv", ["header_only.csv", "line 2", "at least one annotation"])
text("blank_header.csv", "\n1,a,x\n")
case("blank first line", "blank_header.csv", ["blank_header.csv", "line 1", "header"])
text("missing_worker_column.csv", "task,label\n1,x\n")
case(
    "no worker column",
    "missing_worker_column.csv",
    ["missing_worker_column.csv", "line 1", "'worker'", "'annotator'", "'task', 'label'"],
)
text("missing_label_column.csv", "task,worker\n1,a\n")
case(
    "no label column",
    "missing_label_column.csv",
    ["missing_label_column.csv", "'label'", "--label-column", "'task', 'worker'"],
)
text("good_three_columns.csv", H + "1,a,x\n2,b,y\n")
case(
    "requested task column absent",
    "good_three_columns.csv",
    ["good_three_columns.csv", "'ident'", "--task-column", "'task', 'worker', 'label'"],
    {"task_column": "ident"},
)
case(
    "requested label column absent",
    "good_three_columns.csv",
    ["good_three_columns.csv", "'topic'", "--label-column"],
    {"label_column": "topic"},
)
case(
    "requested worker column absent",
    "good_three_columns.csv",
    ["good_three_columns.csv", "'rater'", "--worker-column"],
    {"worker_column": "rater"},
)
text("duplicate_header.csv", "task,worker,worker,label\n1,a,b,x\n")
case("worker column twice", "duplicate_header.csv", ["duplicate_header.csv", "'worker'", "once"])
text("blank_task.csv", H + "1,a,x\n2,b,y\n ,c,x\n")
case("blank task", "blank_task.csv", ["blank_task.csv", "line 4", "'task'", "blank"])
text("blank_worker.csv", H + "1,a,x\n1,,y\n")
case("label without worker", "blank_worker.csv", ["blank_worker.csv", "line 3", "'worker'", "blank"])
raw("not_utf8.csv", (H + "1,a,x\n2,b\xe9,y\n").encode("latin-1"))
case("latin-1 bytes", "not_utf8.csv", ["not_utf8.csv", "line 3", "UTF-8", "byte offset 27"])
raw("binary.csv", bytes(range(256)) * 4)
case("binary garbage", "binary.csv", ["binary.csv", "binary data", "NUL byte"])
text("ragged_long.csv", H + "1,a,x\n2,b,y,z\n3,c,x\n")
case("too many fields", "ragged_long.csv", ["ragged_long.csv", "line 3", "3 fields", "got 4 fields"])
text("ragged_short.csv", H + "1,a,x\n2,b,y\n3,c\n")
case("too few fields", "ragged_short.csv", ["ragged_short.csv", "line 4", "got 2 fields"])
text("label_outside_classes.csv", H + "1,a,yes\n1,b,no\n2,a,yes\n2,b,maybe\n")
case(
    "label outside --classes",
    "label_outside_classes.csv",
    ["label_outside_classes.csv", "line 5", "'label'", "'maybe'", "['yes', 'no']"],
    {"classes": ["yes", "no"]},
)
text("gold_batch.csv", H + "1,a,yes\n1,b,no\n2,a,yes\n")
text("gold_unknown_task.csv", "task,label\n1,yes\n9,no\n")
case(
    "gold for a task not in the batch",
    "gold_batch.csv",
    ["gold_unknown_task.csv", "line 3", "'task'", "'9'", "task of this batch"],
    {"gold": "gold_unknown_task.csv"},
)
text("gold_outside_classes.csv", "task,label\n1,maybe\n")
case(
    "gold label outside fixed classes",
    "gold_batch.csv",
    ["gold_outside_classes.csv", "line 2", "'label'", "'maybe'"],
    {"gold": "gold_outside_classes.csv", "classes": ["yes", "no"]},
)
text("gold_conflict.csv", "task,label\n1,yes\n2,no\n1,no\n")
case(
    "two gold labels for one task",
    "gold_batch.csv",
    ["gold_conflict.csv", "line 4", "one gold label per task", "after 'yes' at line 2"],
    {"gold": "gold_conflict.csv"},
)
text("gold_blank_label.csv", "task,label\n1,\n")
case(
    "blank gold label",
    "gold_batch.csv",
    ["gold_blank_label.csv", "line 2", "'label'"],
    {"gold": "gold_blank_label.csv"},
)
text("gold_no_label_column.csv", "task,answer\n1,yes\n")
case(
    "gold file without a label column",
    "gold_batch.csv",
    ["gold_no_label_column.csv", "'label'", "'task', 'answer'"],
    {"gold": "gold_no_label_column.csv"},
)
case(
    "gold file missing", "gold_batch.csv", ["no_such_gold.csv", "no such file"], {"gold": "no_such_gold.csv"}
)
text("tasks_repeat.csv", "task,text\n1,hello\n2,world\n1,again\n")
case(
    "tasks file repeats a task",
    "gold_batch.csv",
    ["tasks_repeat.csv", "line 4", "one row per task"],
    {"tasks": "tasks_repeat.csv"},
)
text("negative_duration.csv", "task,worker,label,duration_s\n1,a,x,3\n1,b,y,-4\n")
case("negative duration", "negative_duration.csv", ["negative_duration.csv", "line 3", "'duration_s'", "-4"])
text("text_duration.csv", "task,worker,label,duration_s\n1,a,x,3\n1,b,y,2.5\n2,a,x,fast\n")
case("duration not a number", "text_duration.csv", ["text_duration.csv", "line 4", "'duration_s'", "'fast'"])
text("infinite_duration.csv", "task,worker,label,lead_time\n1,a,x,inf\n")
case("infinite duration", "infinite_duration.csv", ["infinite_duration.csv", "line 2", "'lead_time'", "inf"])
text("bad_timestamp.csv", "task,worker,label,submitted_at\n1,a,x,2026-11-01T10:00:00Z\n1,b,y,yesterday\n")
case(
    "unparsable time",
    "bad_timestamp.csv",
    ["bad_timestamp.csv", "line 3", "'submitted_at'", "'yesterday'", "ISO-8601"],
)
text("bad_started_at.csv", "task,worker,label,started_at\n1,a,x,2026-13-45T10:00:00\n")
case("impossible date", "bad_started_at.csv", ["bad_started_at.csv", "line 2", "'started_at'"])
text("duplicates.csv", H + "1,a1,x\n2,a1,y\n1,a1,y\n")
case(
    "repeat pair under --duplicates error",
    "duplicates.csv",
    ["duplicates.csv", "line 4", "'1'", "'a1'", "first at line 2"],
    {"duplicates": "error"},
)
text("abstention.csv", H + "1,a,x\n1,b,\n")
case(
    "blank label under --strict",
    "abstention.csv",
    ["abstention.csv", "line 3", "'label'", "strict"],
    {"strict": True},
)
text("only_abstentions.csv", H + "1,a,\n2,b,\n")
case("no label at all", "only_abstentions.csv", ["only_abstentions.csv", "at least one annotation"])
text(
    "malformed.jsonl",
    '{"task": "1", "worker": "a", "label": "x"}\n{"task": "2", "worker": "b", "label": "y"}\n{"task": "3", "worker": "c", "label": \n',
)
case("malformed JSON line", "malformed.jsonl", ["malformed.jsonl", "line 3", "malformed JSON"])
text("jsonl_not_object.jsonl", '{"task": "1", "worker": "a", "label": "x"}\n[1, 2, 3]\n')
case(
    "JSON line that is not an object",
    "jsonl_not_object.jsonl",
    ["jsonl_not_object.jsonl", "line 2", "JSON object"],
)
text(
    "jsonl_blank_task.jsonl",
    '{"task": "1", "worker": "a", "label": "x"}\n\n{"task": null, "worker": "b", "label": "y"}\n',
)
case("JSON line without task", "jsonl_blank_task.jsonl", ["jsonl_blank_task.jsonl", "line 3", "'task'"])
text("not_a_list.json", '{"task": "1", "worker": "a", "label": "x"}')
case("JSON that is not a list", "not_a_list.json", ["not_a_list.json", "JSON list", "got a JSON object"])
text("empty_list.json", "[]")
case("empty JSON list", "empty_list.json", ["empty_list.json", "at least one task"])
text("truncated.json", '[\n {"id": 1, "annotations": []},\n {"id": 2, "annot')
case("truncated JSON", "truncated.json", ["truncated.json", "line 3", "malformed JSON"])
text("list_of_numbers.json", "[1, 2]")
case("JSON list of numbers", "list_of_numbers.json", ["list_of_numbers.json", "record 1", "JSON object"])
ls_empty: list[dict[str, Any]] = [{"id": i, "data": {"text": f"t{i}"}, "annotations": []} for i in (1, 2)]
text("ls_no_annotations.json", json.dumps(ls_empty))
case(
    "Label Studio export without annotations",
    "ls_no_annotations.json",
    ["ls_no_annotations.json", "at least one annotation"],
)
ls_cancel = [
    {"id": 1, "data": {}, "annotations": [{"id": 5, "completed_by": 2, "result": [], "was_cancelled": True}]}
]
text("ls_only_cancelled.json", json.dumps(ls_cancel))
case(
    "Label Studio export with only skips",
    "ls_only_cancelled.json",
    ["ls_only_cancelled.json", "at least one annotation"],
)
ls_multi = [
    {
        "id": 1,
        "data": {},
        "annotations": [{"id": 6, "completed_by": 2, "result": [{"value": {"choices": ["World"]}}]}],
    },
    {
        "id": 2,
        "data": {},
        "annotations": [{"id": 7, "completed_by": 2, "result": [{"value": {"choices": ["World", "Tech"]}}]}],
    },
]
text("ls_multi_choice.json", json.dumps(ls_multi))
case(
    "Label Studio multi-choice",
    "ls_multi_choice.json",
    ["ls_multi_choice.json", "task 2", "annotation 7", "multi-choice", "'Tech'"],
)
ls_noid = [{"id": 1, "annotations": []}, {"data": {}, "annotations": []}]
text("ls_missing_id.json", json.dumps(ls_noid))
case("Label Studio task without id", "ls_missing_id.json", ["ls_missing_id.json", "task 2", "'id'"])
ls_noworker = [{"id": 1, "annotations": [{"id": 3, "result": [{"value": {"choices": ["A"]}}]}]}]
text("ls_no_worker.json", json.dumps(ls_noworker))
case(
    "Label Studio annotation without completed_by",
    "ls_no_worker.json",
    ["ls_no_worker.json", "task 1", "annotation 3", "'completed_by'"],
)
mini = [{"id": 1, "topic": "World", "annotator": 2}, {"id": 1, "topic": "Tech", "annotator": None}]
text("min_no_annotator.json", json.dumps(mini, indent=1))
case(
    "JSON_MIN label without annotator",
    "min_no_annotator.json",
    ["min_no_annotator.json", "record 2", "'annotator'"],
    {"task_column": "id", "label_column": "topic"},
)
text("not_parquet.parquet", H + "1,a,x\n")
case("text named .parquet", "not_parquet.parquet", ["not_parquet.parquet", "Parquet file"])
pq.write_table(
    pa.table({"task": ["1", "2", "3"], "worker": ["a", None, "c"], "label": ["x", "y", "z"]}),
    "parquet_blank_worker.parquet",
)
case(
    "Parquet label without worker",
    "parquet_blank_worker.parquet",
    ["parquet_blank_worker.parquet", "row 2", "'worker'"],
)
pq.write_table(
    pa.table({"task": ["1"], "worker": ["a"], "label": pa.array([[1, 2]])}), "parquet_nested_label.parquet"
)
case(
    "Parquet list-valued label",
    "parquet_nested_label.parquet",
    ["parquet_nested_label.parquet", "'label'", "list"],
)
text("labels.txt", H + "1,a,x\n")
case("unknown extension", "labels.txt", ["labels.txt", "'.txt'"])
text("not_gzip.csv.gz", H + "1,a,x\n")
case("plain text named .gz", "not_gzip.csv.gz", ["not_gzip.csv.gz", "gzip"])
text("quoted_ragged.csv", 'task,worker,label\n"1","a","x"\n"2","b\nc","y","extra"\n')
case(
    "ragged row after a multi-line value",
    "quoted_ragged.csv",
    ["quoted_ragged.csv", "line 3", "got 4 fields"],
)
text("repeat_classes.csv", H + "1,a,x\n")
case(
    "--classes repeats a class",
    "repeat_classes.csv",
    ["'classes'", "without repeats"],
    {"classes": ["x", "x"]},
)
raw("not_utf8_header.csv", "task,w\xf6rker,label\n1,a,x\n".encode("latin-1"))
case(
    "latin-1 byte in the header",
    "not_utf8_header.csv",
    ["not_utf8_header.csv", "line 1", "UTF-8", "byte offset 6"],
)
# -- issue 10: input you can trust -------------------------------------------------------------------
ROWS = "".join(f"{i},w{i % 7},{'xy'[i % 2]}\n" for i in range(4, 600))
text("stray_quote.csv", H + '1,a,x\n2,b,y\n3,c,"x\n' + ROWS)
case(
    "stray quote swallows the rest of the file",
    "stray_quote.csv",
    ["stray_quote.csv", "line 4", "'label'", "one line", "over 598 lines"],
)
text("stray_quote_closed.csv", H + '1,a,x\n2,b,y\n3,c,"x\n4,d,y\n5,e,x"\n6,f,y\n')
case(
    "stray quote closed three lines later",
    "stray_quote_closed.csv",
    ["stray_quote_closed.csv", "line 4", "'label'", "over 3 lines"],
)
text("stray_quote_task.csv", H + '1,a,x\n"2,b,y\n3,c,x\n')
case(
    "stray quote in the task column",
    "stray_quote_task.csv",
    ["stray_quote_task.csv", "line 3", "stray quote"],
)
text("stray_quote_comment.csv", 'task,worker,label,comment\n1,a,x,ok\n2,b,y,"fine\n3,c,x,ok\n4,d,y,ok\n')
case(
    "stray quote in an ignored column swallows rows",
    "stray_quote_comment.csv",
    ["stray_quote_comment.csv", "line 3", "'comment'", "stray quote"],
)
text("stray_quote.tsv", 'task\tworker\tlabel\n1\ta\tx\n2\tb\t"y\n3\tc\tx\n4\td\ty\n')
case("stray quote in a TSV file", "stray_quote.tsv", ["stray_quote.tsv", "line 3", "'label'"])
raw("stray_quote_crlf.csv", (H + '1,a,x\n2,b,"y\n3,c,x\n4,d,y\n').replace("\n", "\r\n").encode())
case("stray quote with CRLF line ends", "stray_quote_crlf.csv", ["stray_quote_crlf.csv", "line 3", "'label'"])
raw("stray_quote.csv.gz", gzip.compress((H + '1,a,x\n2,b,"y\n3,c,x\n').encode(), mtime=0))
case("stray quote in a gzip file", "stray_quote.csv.gz", ["stray_quote.csv.gz", "line 3", "'label'"])
text("label_newline_quoted.csv", H + '1,a,x\n2,b,"y\nz"\n3,c,x\n')
case(
    "quoted label over two lines",
    "label_newline_quoted.csv",
    ["label_newline_quoted.csv", "line 3", "'label'"],
)
text("numeric_spellings.csv", H + "1,a,1\n1,b,1.0\n2,a,01\n2,b,2\n3,a,1\n")
case(
    "one number spelled three ways under --strict",
    "numeric_spellings.csv",
    ["numeric_spellings.csv", "line 3", "'label'", "one spelling per number", "'1.0'", "'1' (2 rows)"],
    {"strict": True},
)
text("label_newline.jsonl", json.dumps({"task": "1", "worker": "a", "label": "x\ny"}) + "\n")
case(
    "label with an escaped line break",
    "label_newline.jsonl",
    ["label_newline.jsonl", "line 1", "'label'", "one line"],
)
text(
    "worker_newline.jsonl",
    json.dumps({"task": "1", "worker": "a", "label": "x"})
    + "\n"
    + json.dumps({"task": "1", "worker": "b\rc", "label": "x"})
    + "\n",
)
case(
    "worker id with a carriage return", "worker_newline.jsonl", ["worker_newline.jsonl", "line 2", "'worker'"]
)
pq.write_table(
    pa.table({"task": ["1", "2"], "worker": ["a", "b"], "label": ["x", "y\nz"]}), "label_newline.parquet"
)
case(
    "Parquet label over two lines",
    "label_newline.parquet",
    ["label_newline.parquet", "row 2", "'label'", "one line"],
)
ls_newline = [
    {"id": 1, "annotations": [{"id": 3, "completed_by": 2, "result": [{"value": {"choices": ["A\nB"]}}]}]}
]
text("ls_label_newline.json", json.dumps(ls_newline))
case(
    "Label Studio choice over two lines",
    "ls_label_newline.json",
    ["ls_label_newline.json", "task 1", "one line"],
)
text("gold_unused_class.csv", "task,label\n1,yes\n2,maybe\n")
case(
    "gold class no worker chose",
    "gold_batch.csv",
    ["gold_unused_class.csv", "line 3", "'label'", "'maybe'", "--classes"],
    {"gold": "gold_unused_class.csv"},
)
LS_HEAD = '"annotation_id","annotator","headline","id","lead_time","sentiment","topic"\n'
text(
    "ls_two_choices.csv",
    LS_HEAD + '1,"2","Rates rise",1,3.5,"neg","Business"\n2,"3","Rates rise",1,2.0,"pos","World"\n'
    '3,"2","Cup final",2,1.0,"pos","Sports"\n4,"3","Cup final",2,4.0,"neg","Sports"\n',
)
case(
    "Label Studio CSV with two choice columns",
    "ls_two_choices.csv",
    [
        "ls_two_choices.csv",
        "line 1",
        "one choice column",
        "--label-column",
        "several candidates: 'sentiment', 'topic'",
    ],
)
text(
    "ls_no_choice.csv",
    '"annotation_id","annotator","headline","id"\n1,"2","Rates rise",1\n,"","Cup final",2\n',
)
case("Label Studio CSV without a choice column", "ls_no_choice.csv", ["ls_no_choice.csv", "no candidate"])
mini_multi = [
    {"id": 1, "topic": "World", "annotator": 2, "annotation_id": 1},
    {"id": 2, "topic": ["World", "Tech"], "annotator": 2, "annotation_id": 2},
]
text("ls_min_multi_choice.json", json.dumps(mini_multi, indent=1))
case(
    "JSON_MIN multi-choice",
    "ls_min_multi_choice.json",
    ["ls_min_multi_choice.json", "record 2", "'topic'", "one choice per annotation"],
)
text(
    "ls_stray_quote.csv",
    LS_HEAD + '1,"2","Rates rise,1,3.5,"neg","Business"\n2,"3","Rates rise",1,2.0,"pos","World"\n'
    '3,"2","Cup final",2,1.0,"pos","Sports"\n',
)
case(
    "Label Studio CSV with a broken quote in the headline",
    "ls_stray_quote.csv",
    ["ls_stray_quote.csv", "line 2"],
    {"label_column": "topic"},
)
text(
    "deep.jsonl",
    json.dumps({"task": "1", "worker": "a", "label": "x"})
    + "\n"
    + '{"task": '
    + "[" * 20000
    + "]" * 20000
    + "}\n",
)
case("JSON line nested 20,000 deep", "deep.jsonl", ["deep.jsonl", "line 2", "nested at most 64"])
text("deep_object.jsonl", '{"task": "1", "worker": "a", "label": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}\n")
case("JSON line of objects nested 100 deep", "deep_object.jsonl", ["deep_object.jsonl", "line 1", "nested"])
text("deep.json", "[\n" + "[" * 20000 + "]" * 20000 + "\n]")
case("JSON document nested 20,000 deep", "deep.json", ["deep.json", "line 2", "nested at most 64"])
text("too_many_classes.csv", H + "".join(f"{i},w{i % 3},class{i}\n" for i in range(1001)))
case(
    "more classes than the limit",
    "too_many_classes.csv",
    ["too_many_classes.csv", "'label'", "max_classes", "1,001"],
)
text("long_label.csv", H + "1,a,x\n2,b," + "y" * 201 + "\n")
case(
    "label past the length limit",
    "long_label.csv",
    ["long_label.csv", "line 3", "'label'", "max_label_chars"],
)
text("huge_label.csv", H + "1,a," + "z" * 1_000_000 + "\n2,b,x\n")
case("a one-megabyte label", "huge_label.csv", ["huge_label.csv", "line 2", "max_label_chars", "1,000,000"])
text("long_task.csv", H + "1,a,x\n" + "t" * 1001 + ",b,y\n")
case(
    "task id past the length limit", "long_task.csv", ["long_task.csv", "line 3", "'task'", "max_name_chars"]
)
text("long_worker.jsonl", json.dumps({"task": "1", "worker": "w" * 1001, "label": "x"}) + "\n")
case(
    "worker id past the length limit",
    "long_worker.jsonl",
    ["long_worker.jsonl", "line 1", "'worker'", "max_name_chars"],
)

text("header_stray_quote.csv", 'task,worker,label,"comment\n1,a,x,ok\n2,b,y,ok\n')
case(
    "stray quote in the header",
    "header_stray_quote.csv",
    ["header_stray_quote.csv", "line 1", "header on one line"],
)
text("huge_integer.jsonl", '{"task": "1", "worker": "a", "label": ' + "9" * 5000 + "}\n")
case("JSON integer of 5,000 digits", "huge_integer.jsonl", ["huge_integer.jsonl", "line 1", "digits"])
text("huge_integer.json", '[{"id": 1, "annotations": [{"id": ' + "9" * 5000 + "}]}]")
case(
    "Label Studio id of 5,000 digits",
    "huge_integer.json",
    ["huge_integer.json", "well-formed JSON", "digits"],
)
raw("truncated_utf8.tsv", b"task\tworker\tlabel\n1\ta\tx\xe2\x80")
case("file that ends inside a character", "truncated_utf8.tsv", ["truncated_utf8.tsv", "line 2", "UTF-8"])
raw("bad_utf8.jsonl", b'{"task": "1", "worker": "w\xc30", "label": "x"}\n')
case("JSON line with a bad UTF-8 byte", "bad_utf8.jsonl", ["bad_utf8.jsonl", "line 1", "UTF-8"])

# a string column whose bytes are not UTF-8 (pyarrow writes them unchecked; the reader must not crash)
offsets = pa.py_buffer(b"".join(n.to_bytes(4, "little") for n in (0, 1, 3)))
bad_utf8 = pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"a\xff\xfe")])
pq.write_table(
    pa.table({"task": ["1", "2"], "worker": ["a", "b"], "label": bad_utf8}), "parquet_bad_utf8.parquet"
)
case(
    "Parquet string that is not UTF-8",
    "parquet_bad_utf8.parquet",
    ["parquet_bad_utf8.parquet", "'label'", "UTF-8"],
)

# a column name whose bytes are not UTF-8 (same length, so the footer stays well-formed)
sink = pa.BufferOutputStream()
pq.write_table(pa.table({"task": ["1"], "worker": ["a"], "label": ["x"]}), sink, store_schema=False)
raw("parquet_bad_column_name.parquet", sink.getvalue().to_pybytes().replace(b"label", b"l\xffbel"))
case(
    "Parquet column name that is not UTF-8",
    "parquet_bad_column_name.parquet",
    ["parquet_bad_column_name.parquet", "Parquet file"],
)
text(
    "ls_min_deep_label.json",
    json.dumps([{"id": 1, "topic": "[" * 30000, "annotator": 2, "annotation_id": 1}]),
)
case(
    "JSON_MIN label of 30,000 brackets",
    "ls_min_deep_label.json",
    ["ls_min_deep_label.json", "record 1", "max_label_chars"],
)

full = gzip.compress((H + "".join(f"{i},w{i % 7},x\n" for i in range(5000))).encode(), mtime=0)
raw("truncated.csv.gz", full[: len(full) // 2])
case("gzip file cut short", "truncated.csv.gz", ["truncated.csv.gz", "complete gzip file", "truncated"])
raw("utf16.csv", "task\tworker\tlabel\r\n1\ta\tx\r\n".encode("utf-16"))
case("UTF-16 text (Excel's Unicode text)", "utf16.csv", ["utf16.csv", "UTF-16"])
text(
    "infinity.jsonl",
    '{"task": "1", "worker": "a", "label": "x"}\n{"task": "1", "worker": "b", "label": Infinity}\n',
)
case("JSON Infinity", "infinity.jsonl", ["infinity.jsonl", "line 2", "Infinity"])
text("semicolon_ragged.csv", "task;worker;label\n1;a;x\n2;b\n")
case(
    "semicolon file with a short row",
    "semicolon_ragged.csv",
    ["semicolon_ragged.csv", "line 3", "got 2 fields"],
)
os.makedirs("a_directory.csv", exist_ok=True)
text("a_directory.csv/.keep", "")  # git keeps no empty folder
case("a directory named like a file", "a_directory.csv", ["a_directory.csv", "a directory"])

text("excel_sep_line.csv", "sep=;\ntask;worker;label\n1;a;x\n")
case("Excel's sep= line", "excel_sep_line.csv", ["excel_sep_line.csv", "line 1", "'sep=;'", "delete it"])
text("capitalised_header.csv", "Task,Worker,Label\n1,a,x\n")
case(
    "column names in another case",
    "capitalised_header.csv",
    ["capitalised_header.csv", "line 1", "case-sensitive", "--task-column 'Task'"],
)
text("header_only_no_eol.csv", "task,worker,label")  # pyarrow cannot skip one unterminated line
case(
    "header without rows or a line end",
    "header_only_no_eol.csv",
    ["header_only_no_eol.csv", "line 2", "only the header"],
)

with open("cases.json", "w") as out:
    json.dump(cases, out, indent=1)
    out.write("\n")
print(len(cases), "cases")
