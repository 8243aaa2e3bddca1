"""Readers of preferences, ratings and demonstrations: every shape the issue lists, and malformed files that
fail with one line naming the file, the line and the column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labelpact.core.preferences import LEFT, RIGHT, TIE
from labelpact.core.ratings import Ratings
from labelpact.errors import InvalidInputError
from labelpact.io.deliverable import detect_kind, read_deliverable, write_deliverable
from labelpact.io.demonstrations import read_demonstrations
from labelpact.io.preferences import read_preferences
from labelpact.io.ratings import read_ratings

LLM = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets-llm"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_canonical_preferences_with_ties_and_durations(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "p.csv",
        "task,worker,left,right,choice,duration_s\nt1,w1,a,b,left,3\nt1,w2,a,b,TIE,\nt2,w1,c,a,right,4.5\n",
    )
    p = read_preferences(path)
    c = p.comparisons
    assert c.items == ("a", "c", "b") or set(c.items) == {"a", "b", "c"}
    assert c.choice.tolist() == [LEFT, TIE, RIGHT]
    assert [c.items[i] for i in c.left] == ["a", "a", "c"]
    assert [c.items[i] for i in c.right] == ["b", "b", "a"]
    assert c.workers == ("w1", "w2")
    assert c.duration_s is not None and np.isnan(c.duration_s[1]) and c.duration_s[2] == 4.5
    assert detect_kind(path) == "preferences"


def test_chosen_rejected_without_worker_keeps_the_winner(tmp_path: Path) -> None:
    rows = [{"prompt": f"p{i}", "chosen": f"good{i}", "rejected": f"bad{i}"} for i in range(50)]
    path = _write(tmp_path, "p.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    p = read_preferences(path)
    c = p.comparisons
    winner = np.where(c.choice == LEFT, c.left, c.right)
    assert all(c.items[i].startswith("good") for i in winner)
    assert 5 < int((c.choice == LEFT).sum()) < 45  # oriented at random, not all on one side
    assert c.workers == ("unknown",) and any("worker" in n for n in p.read.notes)


def test_winner_shape_maps_a_b_and_ties(tmp_path: Path) -> None:
    table = pa.table(
        {
            "question_id": ["q1", "q2", "q3"],
            "judge": ["j1", "j1", "j2"],
            "model_a": ["gpt", "llama", "gpt"],
            "model_b": ["llama", "gpt", "mistral"],
            "winner": ["model_a", "tie (bothbad)", "model_b"],
        }
    )
    pq.write_table(table, tmp_path / "arena.parquet")
    c = read_preferences(tmp_path / "arena.parquet").comparisons
    assert c.choice.tolist() == [LEFT, TIE, RIGHT]
    assert c.tasks == ("q1", "q2", "q3") and c.workers == ("j1", "j2")


def test_labelstudio_pairwise_export(tmp_path: Path) -> None:
    tasks = [
        {
            "id": 7,
            "data": {"prompt": "Say hi", "answer1": "hi", "answer2": "hello", "answer1_id": "r1", "answer2_id": "r2"},
            "annotations": [
                {"id": 1, "completed_by": 2, "lead_time": 4.0, "result": [
                    {"from_name": "pw", "to_name": "answer1,answer2", "type": "pairwise", "value": {"selected": "left"}}
                ]},
                {"id": 2, "completed_by": 3, "was_cancelled": True, "result": []},
                {"id": 3, "completed_by": 3, "result": [
                    {"from_name": "pw", "to_name": "answer1,answer2", "type": "pairwise", "value": {"selected": "right"}}
                ]},
            ],
        }
    ]  # fmt: skip
    path = _write(tmp_path, "export.json", json.dumps(tasks))
    assert detect_kind(path) == "preferences"
    c = read_preferences(path).comparisons
    assert c.n_comparisons == 2 and c.workers == ("2", "3")
    assert c.items == ("r1", "r2") and c.choice.tolist() == [LEFT, RIGHT]


def test_identifier_columns_of_a_wide_file_are_not_criteria(tmp_path: Path) -> None:
    # a numeric row id beside task and worker had been read as a criterion scored 1..n
    text = "id,task,worker,row_id,helpfulness\n1,t1,w1,10,5\n2,t1,w2,11,7\n3,t2,w1,12,1\n"
    r = read_ratings(_write(tmp_path, "ids.csv", text)).ratings
    assert r.criteria == ("helpfulness",) and r.n_ratings == 3


def test_wide_and_long_ratings_agree(tmp_path: Path) -> None:
    wide = _write(tmp_path, "w.csv", "task,worker,helpfulness,harmlessness\nt1,w1,5,4\nt1,w2,7,\nt2,w1,1,2\n")
    long = _write(
        tmp_path,
        "l.csv",
        "task,worker,criterion,score\nt1,w1,helpfulness,5\nt1,w1,harmlessness,4\nt1,w2,helpfulness,7\n"
        "t2,w1,helpfulness,1\nt2,w1,harmlessness,2\n",
    )
    scales = {"helpfulness": (1.0, 7.0), "harmlessness": (1.0, 5.0)}
    a = read_ratings(wide, scales=scales).ratings
    b = read_ratings(long, scales=scales).ratings
    assert a.n_ratings == b.n_ratings == 5  # the blank cell is a criterion not rated

    def key(r: Ratings) -> list[tuple[int, int, int, float]]:
        return sorted(
            zip(r.task.tolist(), r.worker.tolist(), r.criterion.tolist(), r.score.tolist(), strict=True)
        )

    assert key(a) == key(b)
    assert a.scales == ((1.0, 7.0), (1.0, 5.0))
    assert detect_kind(long) == "ratings"


def test_demonstrations_with_tool_counts(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "d.csv",
        'task,worker,answer,duration_s,pastes\nt1,w1,"Hello there, friend.",10,0\nt1,w2,,5,\nt2,w1,"Line one\nline two",30,1\n',
    )
    d = read_demonstrations(path).demonstrations
    assert d.text == ("Hello there, friend.", "", "Line one\nline two")
    assert d.paste_events is not None and np.isnan(d.paste_events[1]) and d.paste_events[2] == 1.0
    assert detect_kind(path) == "demonstrations"


@pytest.mark.parametrize(
    ("name", "text", "kwargs", "expect"),
    [
        ("bad_choice.csv", "task,worker,left,right,choice\nt,w,a,b,left\nt,w,a,b,maybe\n", {}, ["line 3", "'choice'", "'maybe'"]),
        ("same.csv", "task,worker,left,right,choice\nt,w,a,a,left\n", {}, ["line 2", "two different items"]),
        ("blank_item.csv", "task,worker,left,right,choice\nt,w,a,b,left\nt,w,,b,left\n", {}, ["line 3", "'left'", "blank"]),
        ("no_shape.csv", "task,worker,x\nt,w,1\n", {}, ["line 1", "left, right, choice"]),
        ("bad_duration.csv", "task,worker,left,right,choice,duration_s\nt,w,a,b,left,fast\n", {}, ["line 2", "'duration_s'", "'fast'"]),
        ("neg_duration.csv", "task,worker,left,right,choice,duration_s\nt,w,a,b,left,-1\n", {}, ["line 2", "'duration_s'"]),
        ("bad_winner.csv", "task,worker,response_a,response_b,winner\nt,w,a,b,c\n", {}, ["line 2", "'winner'", "'c'"]),
        ("no_task.csv", "worker,left,right,choice\nw,a,b,left\n", {}, ["line 1", "'task'"]),
    ],
)  # fmt: skip
def test_bad_preferences(
    tmp_path: Path, name: str, text: str, kwargs: dict[str, object], expect: list[str]
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(InvalidInputError) as caught:
        read_preferences(path, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message and name in message
    for part in expect:
        assert part in message, (part, message)


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("out.csv", "task,worker,criterion,score\nt,w,helpfulness,5\nt,w,helpfulness,9\n", ["line 3", "'score'", "from 1 to 7", "9"]),
        ("unknown.csv", "task,worker,criterion,score\nt,w,tone,5\n", ["line 2", "'criterion'", "'tone'"]),
        ("text.csv", "task,worker,helpfulness\nt,w,good\n", ["line 2", "'helpfulness'", "'good'"]),
        ("blank.csv", "task,worker,criterion,score\nt,w,helpfulness,\n", ["line 2", "'score'", "blank"]),
        ("noworker.csv", "task,criterion,score\nt,helpfulness,3\n", ["line 1", "'worker'"]),
        ("wide_out.csv", "task,worker,helpfulness,harmlessness\nt,w,3,4\nt,v,3,6\n", ["line 3", "'harmlessness'", "6"]),
    ],
)  # fmt: skip
def test_bad_ratings(tmp_path: Path, name: str, text: str, expect: list[str]) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(InvalidInputError) as caught:
        read_ratings(path, scales={"helpfulness": (1.0, 7.0), "harmlessness": (1.0, 5.0)})
    message = str(caught.value)
    assert "\n" not in message and name in message
    for part in expect:
        assert part in message, (part, message)


@pytest.mark.parametrize(
    ("name", "text", "expect"),
    [
        ("nottext.csv", "task,worker\nt,w\n", ["line 1", "'text'"]),
        ("blankworker.csv", "task,worker,text\nt,w,hi\nt,,hello\n", ["line 3", "'worker'", "blank"]),
        ("pastes.csv", "task,worker,text,paste_events\nt,w,hi,-2\n", ["line 2", "'paste_events'"]),
        ("badjson.jsonl", '{"task": "t", "worker": "w", "text": "hi"}\n{"task": \n', ["line 2"]),
    ],
)  # fmt: skip
def test_bad_demonstrations(tmp_path: Path, name: str, text: str, expect: list[str]) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(InvalidInputError) as caught:
        read_demonstrations(path)
    message = str(caught.value)
    assert "\n" not in message and name in message
    for part in expect:
        assert part in message, (part, message)


def test_ambiguous_or_unknown_kind_names_the_option(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", "task,worker,label,left,right,choice\nt,w,a,x,y,left\n")
    with pytest.raises(InvalidInputError, match="--kind"):
        detect_kind(path)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("task,worker,left,right,choice,text", "preferences"),
        ("task,worker,criterion,score,text", "ratings"),
        ("task,worker,criterion,score,answer", "ratings"),
        ("task,worker,label,text", "labels"),
        ("task,worker,text", "demonstrations"),
    ],
)
def test_the_judged_text_beside_judgements_is_no_demonstration(
    tmp_path: Path, header: str, kind: str
) -> None:
    path = _write(tmp_path, "x.csv", header + "\n" + ",".join(["1"] * len(header.split(","))) + "\n")
    assert detect_kind(path) == kind


@pytest.mark.parametrize("kind", ["preferences", "ratings", "demonstrations"])
def test_normalised_form_reads_back_the_same(tmp_path: Path, kind: str) -> None:
    texts = {
        "preferences": "task,worker,left,right,choice,duration_s\nt1,w1,a,b,left,3\nt1,w2,a,b,tie,2\nt2,w1,c,a,right,4\n",
        "ratings": "task,worker,criterion,score\nt1,w1,h,5\nt1,w2,h,3\nt2,w1,k,2\n",
        "demonstrations": "task,worker,text,duration_s\nt1,w1,hello world,3\nt2,w2,good bye,4\n",
    }
    first = read_deliverable(_write(tmp_path, "in.csv", texts[kind]), kind=kind)
    again = read_deliverable(write_deliverable(first, tmp_path / "n.parquet"), kind=kind)
    assert type(first) is type(again)
    assert repr(first).split("read=")[0] == repr(again).split("read=")[0]


def test_real_preference_and_rating_files_read() -> None:
    if not LLM.is_dir():
        pytest.skip("../shared/datasets-llm is absent")
    p = read_deliverable(LLM / "openai_summarize_comparisons" / "comparisons.csv")
    assert p.comparisons.n_comparisons == 2208 and p.comparisons.n_workers == 30  # type: ignore[union-attr]
    assert p.comparisons.n_items == 14  # type: ignore[union-attr]
    r = read_deliverable(
        LLM / "squality_human_eval" / "ratings.csv",
        scales=dict.fromkeys(("correctness", "selection", "overall"), (0.0, 100.0)),
    )
    assert r.ratings.n_ratings == 2700 and r.ratings.n_workers == 4  # type: ignore[union-attr]


def test_labelstudio_rating_and_textarea_exports(tmp_path: Path) -> None:
    def task(i: int, results: list[dict[str, object]]) -> dict[str, object]:
        return {
            "id": i,
            "data": {"prompt": f"p{i}"},
            "annotations": [{"id": 10 + i, "completed_by": 4, "result": results}],
        }

    rated = [
        task(1, [
            {"from_name": "helpfulness", "to_name": "answer", "type": "rating", "value": {"rating": 4}},
            {"from_name": "harmlessness", "to_name": "answer", "type": "rating", "value": {"rating": 5}},
        ]),
        task(2, [{"from_name": "helpfulness", "to_name": "answer", "type": "rating", "value": {"rating": 2}}]),
    ]  # fmt: skip
    path = _write(tmp_path, "rated.json", json.dumps(rated))
    assert detect_kind(path) == "ratings"
    r = read_ratings(path).ratings
    assert r.criteria == ("helpfulness", "harmlessness") and r.score.tolist() == [4.0, 5.0, 2.0]
    written = [
        task(
            1,
            [
                {
                    "from_name": "answer",
                    "to_name": "prompt",
                    "type": "textarea",
                    "value": {"text": ["Hi", "there"]},
                }
            ],
        )
    ]
    path = _write(tmp_path, "written.json", json.dumps(written))
    assert detect_kind(path) == "demonstrations"
    assert read_demonstrations(path).demonstrations.text == ("Hi\nthere",)
