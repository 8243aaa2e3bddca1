"""``event add``, ``events import`` and ``events list``: JSON shapes, idempotent imports, as-of lists, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelpact.config import load_settings
from labelpact.errors import NotFoundError
from labelpact.io.events import read_event_rows
from labelpact.services.events import import_events, list_events, record_event
from labelpact.store import Store
from labelpact.store.ledger import EventCreate

RunCli = Callable[..., Any]
Snapshot = Callable[[Path], dict[str, Any]]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "events"
EVENT_FIELDS = [
    "id",
    "partner",
    "kind",
    "date",
    "actor",
    "magnitude",
    "summary",
    "source_url",
    "certainty",
    "meaning",
    "description",
    "created_at",
]
ROWS: list[dict[str, Any]] = [
    {
        "partner": "Scale AI",
        "kind": "investment",
        "date": "2025-06-12",
        "actor": "Meta",
        "magnitude": 0.49,
        "summary": "Meta buys 49%.",
        "source_url": "https://example.com/deal",
        "certainty": "confirmed",
    },
    {"partner": "Scale AI", "kind": "executive_departure", "date": "2025-06-12", "actor": "Alexandr Wang"},
    {
        "partner": "Scale AI",
        "kind": "customer_exit",
        "date": "2025-06-13",
        "actor": "Google",
        "magnitude": 2e8,
    },
    {"partner": "Surge AI", "kind": "investment", "date": "2025-07-01", "actor": "Google", "magnitude": 0.1},
    {
        "partner": "Scale AI",
        "kind": "layoff",
        "date": "2025-07-16",
        "magnitude": 200,
        "certainty": "single-source",
    },
]


@pytest.fixture
def lab(cli: RunCli) -> RunCli:
    """A workspace run by Meta, whose rivals are Google and OpenAI, with two partners."""
    assert cli("client", "set", "--name", "Meta", "--rivals", "Google,OpenAI").code == 0
    assert cli("partner", "add", "Scale AI").code == 0
    assert cli("partner", "add", "Surge AI").code == 0
    return cli


def write_json(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = ["partner", "kind", "date", "actor", "magnitude", "summary", "source_url", "certainty"]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_event_add_json_shape_and_meaning(lab: RunCli) -> None:
    run = lab(
        "event", "add", "Scale AI", "--kind", "investment", "--date", "2025-06-12", "--actor", "Meta",
        "--magnitude", "0.49", "--certainty", "confirmed", "--source", "https://example.com/d", "--json",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert list(doc) == [*EVENT_FIELDS, "created"]
    assert (doc["id"], doc["meaning"], doc["magnitude"], doc["created"]) == (
        "e1",
        "binding_stake",
        0.49,
        True,
    )
    rival = lab(
        "event", "add", "Surge AI", "--kind", "acquisition", "--date", "2025-08-01", "--actor", "google"
    )
    assert rival.code == 0 and "conflict of interest" in rival.stdout
    again = lab(
        "event", "add", "Scale AI", "--kind", "investment", "--date", "2025-06-12", "--actor", "Meta",
        "--magnitude", "0.49", "--certainty", "confirmed", "--source", "https://example.com/d", "--json",
    )  # fmt: skip
    assert json.loads(again.stdout)["created"] is False and json.loads(again.stdout)["id"] == "e1"
    listed = json.loads(lab("events", "list", "--json").stdout)
    assert [e["id"] for e in listed["events"]] == ["e1", "e2"]


def test_events_list_json_shape_and_as_of_filter(lab: RunCli, tmp_path: Path) -> None:
    assert lab("events", "import", write_json(tmp_path / "e.json", ROWS)).code == 0
    doc = json.loads(lab("events", "list", "--json").stdout)
    assert list(doc) == ["partner", "until", "client", "events"]
    assert doc["client"] == "Meta" and doc["partner"] is None and doc["until"] is None
    assert all(list(e) == EVENT_FIELDS for e in doc["events"])
    assert [e["date"] for e in doc["events"]] == sorted(e["date"] for e in doc["events"])
    meanings = {(e["partner"], e["actor"]): e["meaning"] for e in doc["events"] if e["kind"] == "investment"}
    assert meanings == {("Scale AI", "Meta"): "binding_stake", ("Surge AI", "Google"): "conflict_of_interest"}
    assert {e["certainty"] for e in doc["events"]} == {"confirmed", "single_source", None}

    as_of = json.loads(lab("events", "list", "Scale AI", "--until", "2025-06-12", "--json").stdout)
    assert (as_of["partner"], as_of["until"]) == ("Scale AI", "2025-06-12")
    assert [(e["kind"], e["date"]) for e in as_of["events"]] == [
        ("investment", "2025-06-12"),  # the bound is inclusive
        ("executive_departure", "2025-06-12"),
    ]
    before = json.loads(lab("events", "list", "--until", "2025-06-11", "--json").stdout)
    assert before["events"] == []
    human = lab("events", "list", "Scale AI", "--until", "2025-06-13")
    assert human.code == 0 and "binding_stake" in human.stdout and "layoff" not in human.stdout


def test_human_tables_mark_the_conflict(lab: RunCli, tmp_path: Path) -> None:
    run = lab("events", "import", write_json(tmp_path / "e.json", ROWS))
    assert run.code == 0 and "Imported 5 of 5 events" in run.stdout
    listed = lab("events", "list")
    assert "conflict_of_interest" in listed.stdout and "Surge AI" in listed.stdout
    assert (
        lab("events", "list", "Surge AI", "--until", "2025-01-01").stdout.strip() == "No events for Surge AI."
    )


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_importing_the_same_file_twice_adds_nothing_the_second_time(
    lab: RunCli, tmp_path: Path, fmt: str
) -> None:
    path = (write_json if fmt == "json" else write_csv)(tmp_path / f"events.{fmt}", ROWS)
    first = json.loads(lab("events", "import", path, "--json").stdout)
    assert list(first) == [
        "file",
        "n_rows",
        "n_added",
        "n_skipped",
        "added",
        "skipped",
        "ignored_columns",
        "about_client",
    ]
    assert (first["n_rows"], first["n_added"], first["n_skipped"]) == (5, 5, 0)
    assert all(list(e) == EVENT_FIELDS for e in first["added"])
    second = json.loads(lab("events", "import", path, "--json").stdout)
    assert (second["n_added"], second["n_skipped"]) == (0, 5)
    assert [s["duplicate_of"] for s in second["skipped"]] == [e["id"] for e in first["added"]]
    assert len(json.loads(lab("events", "list", "--json").stdout)["events"]) == 5


def test_json_and_csv_of_the_same_facts_are_the_same_events(lab: RunCli, tmp_path: Path) -> None:
    assert lab("events", "import", write_json(tmp_path / "e.json", ROWS)).code == 0
    again = json.loads(lab("events", "import", write_csv(tmp_path / "e.csv", ROWS), "--json").stdout)
    assert (again["n_added"], again["n_skipped"]) == (0, 5)


def test_identical_rows_within_one_file_are_added_once(lab: RunCli, tmp_path: Path) -> None:
    doc = json.loads(
        lab("events", "import", write_json(tmp_path / "e.json", ROWS[:2] + ROWS[:1]), "--json").stdout
    )
    assert (doc["n_added"], doc["n_skipped"]) == (2, 1)
    assert doc["skipped"] == [{"line": 18, "duplicate_of": "e1"}]  # objects on lines 2-11, 12-17, 18-27


def test_a_bad_row_in_the_middle_writes_nothing(
    lab: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot
) -> None:
    assert lab("events", "import", write_json(tmp_path / "seed.json", ROWS[:1])).code == 0
    before = snapshot(workspace)
    # a percentage where a share belongs, in the 3rd object: lines 2-7 and 8-14 hold the first two
    bad = [*ROWS[1:3], {**ROWS[3], "magnitude": 49}, ROWS[4]]
    path = write_json(tmp_path / "bad.json", bad)
    run = lab("events", "import", path)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert "bad.json, line 15, column 'magnitude': expected a magnitude for investment" in run.stderr
    assert snapshot(workspace) == before


def test_an_unknown_partner_names_the_known_ones_and_writes_nothing(
    lab: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot
) -> None:
    before = snapshot(workspace)
    path = write_csv(tmp_path / "e.csv", [ROWS[0], {**ROWS[1], "partner": "Scale"}, ROWS[2]])
    run = lab("events", "import", path)
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "e.csv, line 3, column 'partner': expected a known partner (Scale AI, Surge AI)" in run.stderr
    assert "did you mean 'Scale AI'?" in run.stderr
    assert snapshot(workspace) == before


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        # before: RecursionError, exit 1
        ("deep.json", "[" * 100_000 + "]" * 100_000, "deep.json: expected a JSON list of event objects"),
        # PostgreSQL's text cannot hold NUL (before: an internal error there; SQLite stored it)
        (
            "nul.json",
            json.dumps([ROWS[0], {**ROWS[1], "summary": "cut\u0000here"}]),
            "nul.json, line 1, column 'summary': expected text without NUL characters",
        ),
        # before: OverflowError and the int digit limit's ValueError, exit 1
        (
            "bigint.json",
            json.dumps([{**ROWS[0], "kind": "funding", "magnitude": 10**400}]),
            "bigint.json, line 1, column 'magnitude': expected a finite number",
        ),
        (
            "digits.json",
            '[{"partner": "Scale AI", "kind": "funding", "date": "2025-01-12", "magnitude": '
            + "9" * 5000
            + "}]",
            "digits.json, line 1, column 'magnitude': expected a finite number",
        ),
        # before: the last of two values was taken silently
        (
            "dupkey.json",
            '[{"partner": "Scale AI", "kind": "funding", "kind": "layoff", "date": "2025-01-12"}]',
            "dupkey.json, line 1, column 'kind': expected each column once",
        ),
        # before: "cannot handle the text 'utf-8' codec can't encode ...", naming no file
        (
            "surrogate.json",
            json.dumps([ROWS[0], {**ROWS[1], "summary": "\ud800x"}]),
            "surrogate.json, line 1, column 'summary': expected text without unpaired surrogates",
        ),
    ],
    ids=[
        "nested-too-deep",
        "nul-in-summary",
        "int-past-float",
        "int-past-digit-limit",
        "key-twice",
        "surrogate",
    ],
)
def test_events_json_the_store_or_parser_cannot_take_is_one_line(
    lab: RunCli, tmp_path: Path, workspace: Path, snapshot: Snapshot, name: str, text: str, message: str
) -> None:
    before = snapshot(workspace)
    path = tmp_path / name
    path.write_text(text)
    run = lab("events", "import", path)
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert message in run.stderr
    assert snapshot(workspace) == before


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--kind", "investmnt", "--date", "2025-06-12"), "option '--kind'"),
        (("--kind", "layoff", "--date", "12/06/2025"), "option '--date': expected a date YYYY-MM-DD"),
        (("--kind", "layoff", "--date", "2025-06-12", "--magnitude", "many"), "option '--magnitude'"),
        (("--kind", "investment", "--date", "2025-06-12", "--magnitude", "49"), "in (0, 1]"),
        (("--kind", "other", "--date", "2025-06-12", "--source", "www.x.com"), "option '--source'"),
        (("--kind", "other", "--date", "2025-06-12", "--certainty", "sure"), "option '--certainty'"),
        (
            ("--kind", "other", "--date", "2025-06-12", "--summary", "\udced\udca0\udc80"),
            "option '--summary': expected text without unpaired surrogates",
        ),
    ],
)
def test_event_add_bad_input_exits_2_with_one_line_and_writes_nothing(
    lab: RunCli, workspace: Path, snapshot: Snapshot, args: tuple[str, ...], fragment: str
) -> None:
    before = snapshot(workspace)
    run = lab("event", "add", "Scale AI", *args)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and fragment in run.stderr, run.stderr
    assert snapshot(workspace) == before


def test_unknown_partner_on_add_and_list_and_bad_until(
    lab: RunCli, workspace: Path, snapshot: Snapshot
) -> None:
    before = snapshot(workspace)
    add = lab("event", "add", "Scael AI", "--kind", "other", "--date", "2025-01-01")
    assert add.code == 2 and "did you mean 'Scale AI'?" in add.stderr
    assert lab("events", "list", "Nobody").code == 2
    until = lab("events", "list", "--until", "2025-02-30")
    assert (
        until.code == 2 and "option '--until': expected a date YYYY-MM-DD, got '2025-02-30'" in until.stderr
    )
    assert snapshot(workspace) == before


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("e.txt", "x", "expected a .json or .csv events file"),
        ("e.json", "", "expected a list of events, got an empty file"),
        ("e.json", '[\n  {"partner": "Scale AI",\n', "e.json, line 3: expected well-formed JSON"),
        ("e.json", '{"partner": "Scale AI"}', "expected a JSON list of events"),
        ("e.json", '[\n  {"partner": "Scale AI", "kind": "other", "date": "2025-01-01"},\n  7\n]', "line 3"),
        ("e.csv", "partner,kind,date\nScale AI,other\n", "e.csv, line 2: expected 3 cells as in the header"),
        (  # before: the second date was stored silently
            "e.csv",
            "partner,kind,date,date\nScale AI,layoff,2025-01-05,2025-01-06\n",
            "e.csv, line 1, column 'date': expected each column once",
        ),
        ("e.csv", "partner,kind,date,type\nScale AI,other,2025-01-01,x\n", None),
        (
            "e.csv",
            "partner,kidn,date\nScale AI,other,2025-01-01\n",
            "e.csv, line 1: expected a column 'kind'",
        ),
    ],
)
def test_bad_files_exit_2_naming_the_line(
    lab: RunCli,
    tmp_path: Path,
    workspace: Path,
    snapshot: Snapshot,
    name: str,
    content: str,
    fragment: str | None,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    before = snapshot(workspace)
    run = lab("events", "import", path, "--json")
    if fragment is None:  # an extra column is ignored, and said so
        assert run.code == 0 and json.loads(run.stdout)["ignored_columns"] == ["type"]
        return
    assert run.code == 2 and run.stderr.count("\n") == 1 and fragment in run.stderr, run.stderr
    assert snapshot(workspace) == before


def test_event_rows_keep_the_line_each_row_starts_on(tmp_path: Path) -> None:
    text = (
        'partner,kind,date,summary\n\nScale AI,other,2025-01-01,"two\nlines"\nScale AI,layoff,2025-02-01,x\n'
    )
    (tmp_path / "e.csv").write_text(text, encoding="utf-8")
    read = read_event_rows(tmp_path / "e.csv")
    assert [line for line, _ in read.rows] == [3, 5]
    assert read.rows[0][1]["summary"] == "two\nlines" and read.header_line == 1
    document = '{"n": 1, "events": [\n {"a": 1},\n\n {"b": [1,\n 2]}, {"c": 3}\n]}'
    (tmp_path / "e.json").write_text(document, encoding="utf-8")
    read = read_event_rows(tmp_path / "e.json")
    assert [line for line, _ in read.rows] == [2, 4, 5] and read.columns == ["a", "b", "c"]


def test_events_list_json_can_be_imported_back(lab: RunCli, tmp_path: Path) -> None:
    assert lab("events", "import", write_json(tmp_path / "e.json", ROWS)).code == 0
    exported = tmp_path / "export.json"
    exported.write_text(lab("events", "list", "--json").stdout, encoding="utf-8")
    doc = json.loads(lab("events", "import", exported, "--json").stdout)
    assert (doc["n_added"], doc["n_skipped"]) == (0, 5)
    assert doc["ignored_columns"] == ["id", "meaning", "description", "created_at"]


def test_the_services_directly(tmp_path: Path) -> None:
    with Store.open(load_settings(workspace=tmp_path / "ws", db=None)) as store:
        store.set_client("Google", ["Meta"])
        store.add_partner("Scale AI")
        fields = {k: v for k, v in ROWS[0].items() if k != "partner"}
        entry = record_event(store, "Scale AI", **fields)
        assert entry.meaning == "conflict_of_interest" and entry.event.id == "e1" and entry.created
        result = import_events(store, write_json(tmp_path / "e.json", ROWS[:3]))
        assert (result.n_added, result.n_skipped) == (2, 1)  # the first row is the stake recorded above
        assert [e.event.kind for e in list_events(store, "Scale AI", until=None)] == [
            "investment",
            "executive_departure",
            "customer_exit",
        ]


@pytest.mark.skipif(not (EXAMPLES / "meta_scale.json").exists(), reason="examples/events is absent")
def test_the_meta_scale_example_imports_and_its_csv_twin_adds_nothing(lab: RunCli) -> None:
    assert lab("partner", "add", "Mercor").code == 0
    first = json.loads(lab("events", "import", EXAMPLES / "meta_scale.json", "--json").stdout)
    assert first["n_added"] == first["n_rows"] >= 20
    twin = json.loads(lab("events", "import", EXAMPLES / "meta_scale.csv", "--json").stdout)
    assert (twin["n_added"], twin["n_skipped"]) == (0, first["n_rows"])
    stakes = [e for e in first["added"] if e["kind"] == "investment"]
    assert [(e["actor"], e["magnitude"], e["meaning"]) for e in stakes] == [("Meta", 0.49, "binding_stake")]
    assert lab("client", "set", "--name", "Google", "--rivals", "Meta,OpenAI").code == 0
    seen_by_google = json.loads(lab("events", "list", "Scale AI", "--until", "2025-06-12", "--json").stdout)
    assert [e["meaning"] for e in seen_by_google["events"] if e["kind"] == "investment"] == [
        "conflict_of_interest"
    ]


def test_add_events_is_one_transaction_logged_per_event(tmp_path: Path, snapshot: Snapshot) -> None:
    workspace = tmp_path / "ws"
    with Store.open(load_settings(workspace=workspace, db=None)) as store:
        store.add_partner("Scale AI")
        first = EventCreate("Scale AI", "layoff", dt.date(2025, 7, 16), magnitude=200)
        added = store.add_events([first, EventCreate("Scale AI", "other", dt.date(2025, 1, 1)), first])
        assert [(r.id, created) for r, created in added] == [("e1", True), ("e2", True), ("e1", False)]
        assert [e.detail["event"] for e in store.audit_log(action="event.added")] == ["e1", "e2"]
        before = snapshot(workspace)
        with pytest.raises(NotFoundError, match="known partners: Scale AI"):
            store.add_events(
                [EventCreate("Scale AI", "other", dt.date(2025, 2, 2)), EventCreate("X", "other", first.date)]
            )
        assert snapshot(workspace) == before  # the good first event was not written either


def test_a_case_file_imports_with_its_client_side_events_skipped_and_said(cli: RunCli) -> None:
    """Before: the client's own turbulence, filed under the client's name, was 'expected a known partner'."""
    case = Path(__file__).resolve().parents[2] / "src/labelpact/partners/data/cases/meta-scale-ai.json"
    assert cli("client", "set", "--name", "Meta", "--rivals", "OpenAI,Google,xAI").code == 0
    assert cli("partner", "add", "Scale AI", "--since", "2019-01-01").code == 0
    run = cli("events", "import", case, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert len(doc["about_client"]) == 1 and doc["n_added"] == doc["n_rows"] - 1
    assert "side" not in doc["ignored_columns"] and all(e["partner"] == "Scale AI" for e in doc["added"])
    shown = cli("events", "import", case)
    assert "Skipped 1 event(s) about the client itself" in shown.stderr


@pytest.mark.parametrize("rival", ["meta", "ＭＥＴＡ"])  # invisible characters are refused in any name
def test_the_client_cannot_be_its_own_rival_under_another_spelling(cli: RunCli, rival: str) -> None:
    run = cli("client", "set", "--name", "Meta", "--rivals", f"Google,{rival}")
    assert run.code == 2, run.stderr
    assert "rivals other than the client itself" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_an_event_dated_after_today_is_recorded_with_a_warning(lab: RunCli, tmp_path: Path) -> None:
    run = lab("event", "add", "Scale AI", "--kind", "layoff", "--date", "2099-01-01", "--json")
    assert run.code == 0, run.stderr
    warning = run.stderr.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("warning: 1 event(s) dated after today: e")
    assert "(2099-01-01); forecasts count each from its date on" in warning[0]
    json.loads(run.stdout)  # stdout stays one JSON document
    past = lab("event", "add", "Scale AI", "--kind", "layoff", "--date", "2020-01-01")
    assert past.code == 0 and "warning" not in past.stderr
    rows = [{"partner": "Surge AI", "kind": "layoff", "date": "2098-05-01"}]
    imported = lab("events", "import", write_json(tmp_path / "later.json", rows))
    assert imported.code == 0 and "1 event(s) dated after today" in imported.stderr
