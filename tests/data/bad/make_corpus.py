"""Writes the malformed files of this folder and cases.json; run it from anywhere to regenerate them.

Each case: name, file (relative to this folder), kwargs for read_delivery (paths relative to this folder),
cli_args for `labelpact ingest FILE --partner P --project X ...`, and expect (substrings of the message).
"""

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
with open("cases.json", "w") as out:
    json.dump(cases, out, indent=1)
    out.write("\n")
print(len(cases), "cases")
