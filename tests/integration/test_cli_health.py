"""``labelpact health`` and ``labelpact allocate`` on a real ledger and real audits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labelpact.io.export import write_annotations, write_gold
from labelpact.simulate import simulate_delivery

from .conftest import RunCli

EVENTS = Path(__file__).resolve().parents[2] / "examples" / "events" / "meta_scale.json"


@pytest.fixture
def ledger(cli: RunCli) -> RunCli:
    assert cli("client", "set", "--name", "Google", "--rivals", "Meta").code == 0
    assert cli("partner", "add", "Scale AI", "--since", "2016-08-01").code == 0
    for name in ("Surge AI", "Mercor"):
        assert cli("partner", "add", name).code == 0
    run = cli("events", "import", EVENTS)
    assert run.code == 0, run.stderr
    return cli


def _health(cli: RunCli, *args: str) -> dict:
    run = cli("health", "Scale AI", "--json", *args)
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)


def test_a_rivals_stake_raises_the_forecast_and_the_as_of_rule_hides_the_future(ledger: RunCli) -> None:
    before = _health(ledger, "--as-of", "2025-06-01")
    after = _health(ledger, "--as-of", "2025-07-01")
    assert set(after) >= {"partner", "as_of", "risk", "spc", "scorecard"}
    assert set(after["risk"]) >= {"horizon_days", "probability", "contributions"}
    assert after["risk"]["probability"] > before["risk"]["probability"] + 0.1
    assert all(e["date"] <= "2025-06-01" for e in before["events"])
    assert any(e["date"] > "2025-06-01" for e in after["events"])
    stake = next(c for c in after["risk"]["contributions"] if c["signal"] == "rival_stake")
    assert stake["effect"] > 0 and stake["event_id"] and stake["source"]
    meta = next(e for e in after["events"] if e["id"] == stake["event_id"])
    assert meta["actor"] == "Meta" and meta["meaning"] == "conflict_of_interest"
    without = _health(ledger, "--as-of", "2025-07-01", "--without", stake["event_id"])
    assert without["risk"]["probability"] < after["risk"]["probability"]


def test_longer_horizons_are_riskier_and_bad_assumptions_are_bad_input(ledger: RunCli) -> None:
    p = [
        _health(ledger, "--as-of", "2025-07-01", "--horizon", h)["risk"]["probability"] for h in ("90", "365")
    ]
    assert p[0] < p[1]
    run = ledger("health", "Scale AI", "--assume", "equity_stake")
    assert run.code == 2 and "KEY=VALUE" in run.stderr
    human = ledger("health", "Scale AI", "--as-of", "2025-07-01")
    assert human.code == 0 and "chance the partnership breaks down within 180 days" in human.stdout
    assert "after today" not in human.stderr
    future = ledger("health", "Scale AI", "--as-of", "2126-07-01", "--json")
    assert future.code == 0 and "warning: --as-of 2126-07-01 is after today" in future.stderr
    for assumption in ("on_time_rate=-3", "on_time_rate=7", "error_rate=1.5"):  # before: a forecast of them
        run = ledger("health", "Scale AI", "--as-of", "2025-07-01", "--assume", assumption)
        assert run.code == 2 and "expected a rate between 0 and 1" in run.stderr, assumption
    unjudged = ledger("health", "Mercor", "--as-of", "2025-07-01", "--assume", "error_rate=0.3")
    assert (
        unjudged.code == 2 and "a reference to judge an error rate by" in unjudged.stderr
    )  # before: no effect


def test_a_partnership_not_started_is_one_line_for_health_and_no_offer_in_allocate(ledger: RunCli) -> None:
    """Before: "column 'start': expected a start on or before as_of", and allocate failed for the project."""
    early = ledger("health", "Scale AI", "--as-of", "2015-01-01")
    assert early.code == 2 and "option '--as-of'" in early.stderr
    assert "on or after the partnership's start (2016-08-01, the partner's since)" in early.stderr


def test_allocate_respects_the_cap_and_moves_work_to_the_better_partner(cli: RunCli, tmp_path: Path) -> None:
    assert cli("client", "set", "--name", "Lab").code == 0
    for name, mediocre, price in (("Good", 0.05, 0.20), ("Weak", 0.6, 0.20)):
        contract = tmp_path / f"{name}.toml"
        contract.write_text(
            f'[quality]\nmethod = "mv"\n[pay]\nprice_per_label = {price}\n[allocation]\nmax_share = 0.7\n',
            encoding="utf-8",
        )
        assert cli("partner", "add", name, "--contract", contract).code == 0
        sim = simulate_delivery(
            n_tasks=500, n_workers=40, labels_per_task=3, share_mediocre=mediocre, gold_share=0.2, seed=3
        )
        labels = write_annotations(sim.annotations, tmp_path / f"{name}.csv")
        gold = write_gold(sim.annotations, sim.gold, tmp_path / f"{name}-gold.csv")
        run = cli("audit", labels, "--partner", name, "--project", "p", "--gold", gold)
        assert run.code == 0, run.stderr
    run = cli("allocate", "--project", "p", "--labels", "1000", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    split = {p["partner"]: p for p in doc["partners"]}
    assert split["Good"]["labels"] == 700 and split["Weak"]["labels"] == 300  # capped at 70%
    assert split["Good"]["accuracy"] > split["Weak"]["accuracy"]
    assert sum(p["labels"] for p in doc["partners"]) == 1000
    assert {e["partner"] for e in doc["evidence"]} == {"Good", "Weak"}
    assert cli("allocate", "--project", "nope").code == 2
    # a vendor who starts next year gets no work and says why (before: allocate failed for the project)
    assert cli("partner", "add", "Later", "--since", "2099-01-01").code == 0
    run = cli("allocate", "--project", "p", "--labels", "1000", "--partners", "Later", "--json")
    assert run.code == 0, run.stderr
    later = json.loads(run.stdout)
    assert [p["partner"] for p in later["partners"]] == [p["partner"] for p in doc["partners"]]
    assert {"partner": "Later", "not_started_until": "2099-01-01"} in later["evidence"]


CASES = Path(__file__).resolve().parents[2] / "src" / "labelpact" / "partners" / "data" / "cases"


def test_a_worker_welfare_case_is_explained_event_by_event(cli: RunCli) -> None:
    """Meta and Sama, entered from the library's case file: the day before Sama's exit the expose and the
    workers' suit are named with their sources, and ``--without`` removes one."""
    assert cli("client", "set", "--name", "Meta").code == 0
    assert cli("partner", "add", "Sama", "--since", "2019-01-01").code == 0
    run = cli("events", "import", CASES / "meta-sama.json")
    assert run.code == 0, run.stderr
    doc = json.loads(cli("health", "Sama", "--as-of", "2023-01-09", "--horizon", "90", "--json").stdout)
    welfare = [c for c in doc["risk"]["contributions"] if c["signal"] == "worker_welfare"]
    assert len(welfare) == 2 and all(c["effect"] > 0 and c["source"] and c["event_id"] for c in welfare)
    without = cli(
        "health",
        "Sama",
        "--as-of",
        "2023-01-09",
        "--horizon",
        "90",
        "--json",
        "--without",
        welfare[0]["event_id"],
    )
    assert without.code == 0, without.stderr
    assert json.loads(without.stdout)["risk"]["probability"] < doc["risk"]["probability"]


def test_an_ethics_audit_finding_feeds_the_forecast_before_the_press_does(
    cli: RunCli, tmp_path: Path
) -> None:
    """An audit that finds pay below the floor: ``health`` names the finding (its id, ``f..``) as a signal of
    the hazard, and ``--without`` it lowers the risk."""
    from labelpact.simulate.payloads import underpay_workers

    contract = tmp_path / "contract.toml"
    contract.write_text("[pay]\nprice_per_label = 0.08\npay_floor_per_hour = 15.0\n", encoding="utf-8")
    assert cli("partner", "add", "Vendor", "--contract", contract).code == 0
    sim = simulate_delivery(n_tasks=300, n_workers=30, median_duration_s=12.0, seed=5)
    underpaid, _ = underpay_workers(
        sim.annotations, share=0.3, price_per_label=0.08, pay_floor_per_hour=15.0, seed=6
    )
    labels = write_annotations(underpaid, tmp_path / "labels.csv")
    run = cli("audit", labels, "--partner", "Vendor", "--project", "p", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(cli("health", "Vendor", "--json", "--horizon", "90").stdout)
    pay = [c for c in doc["risk"]["contributions"] if c["signal"] == "pay_below_floor"]
    assert len(pay) == 1 and pay[0]["effect"] > 0 and pay[0]["event_id"].startswith("f")
    without = cli("health", "Vendor", "--json", "--horizon", "90", "--without", pay[0]["event_id"])
    assert without.code == 0, without.stderr
    assert json.loads(without.stdout)["risk"]["probability"] < doc["risk"]["probability"]


@pytest.mark.parametrize(
    ("assumption", "expected"),
    [  # before: exit 0 with NaN/Infinity in --json, or an adverse signal below 0 lowering the risk
        ("rival_stake=1e308", "a signal's weight from 0 to 100"),
        ("client_stake=-1e308", "a rate between 0 and 1"),
        ("executive_departure=-1e6", "a signal's weight from 0 to 100"),
        ("late_rate=5", "a rate between 0 and 1"),
        ("spc_alarm=-100", "0 (no process-control alarm open) or 1"),
        ("spc_alarm=0.5", "0 (no process-control alarm open) or 1"),
        ("n_projects=1e300", "a whole number from 1 to 1000000"),
    ],
)
def test_an_assumption_outside_its_signals_range_is_refused(
    ledger: RunCli, assumption: str, expected: str
) -> None:
    run = ledger("health", "Scale AI", "--as-of", "2025-07-01", "--assume", assumption, "--json")
    assert run.code == 2 and run.stdout == ""
    error = json.loads(run.stderr)["error"]
    assert error["column"] == assumption.split("=")[0] and error["expected"].startswith(expected)


def test_the_largest_assumptions_give_a_finite_forecast_no_lower_than_none(ledger: RunCli) -> None:
    none = _health(ledger, "--as-of", "2025-07-01")["risk"]["probability"]
    for assumption in ("rival_stake=100", "executive_departure=100", "quality_excess=100", "spc_alarm=1"):
        run = ledger("health", "Scale AI", "--as-of", "2025-07-01", "--assume", assumption, "--json")
        assert run.code == 0, run.stderr
        doc = json.loads(run.stdout, parse_constant=lambda name: pytest.fail(f"{name} in --json"))
        assert none <= doc["risk"]["probability"] <= 1.0, assumption


@pytest.mark.parametrize("amount", ["inf", "1e400", "nan", "-1"])
def test_a_minimum_spend_must_be_a_finite_amount(cli: RunCli, amount: str) -> None:
    """Before: inf was stored, and every later partner list --json printed Infinity (partners are immutable)."""
    run = cli("partner", "add", "P1", "--min-spend", amount)
    assert run.code == 2 and "option '--min-spend': expected a finite amount >= 0" in run.stderr
    assert cli("partner", "list", "--json").code == 2  # refused before a workspace was made: none exists
    assert cli("partner", "add", "P0").code == 0
    assert cli("partner", "add", "P1", "--min-spend", amount).code == 2
    assert [p["name"] for p in json.loads(cli("partner", "list", "--json").stdout)["partners"]] == ["P0"]


def test_a_replay_before_the_clients_stake_event_does_not_count_the_stake(cli: RunCli) -> None:
    """Before: health read only the events up to as-of, so the recorded 49% counted from the start."""
    assert cli("client", "set", "--name", "Meta", "--rivals", "Google").code == 0
    assert cli("partner", "add", "Scale AI", "--since", "2020-01-01", "--equity-stake", "0.49").code == 0
    assert cli("partner", "add", "Plain", "--since", "2020-01-01").code == 0
    stake = ("--kind", "investment", "--actor", "Meta", "--magnitude", "0.49", "--date", "2025-06-12")
    assert cli("event", "add", "Scale AI", *stake).code == 0

    def risk(partner: str, day: str) -> dict:
        run = cli("health", partner, "--as-of", day, "--json")
        assert run.code == 0, run.stderr
        return json.loads(run.stdout)["risk"]

    before, after = risk("Scale AI", "2025-06-11"), risk("Scale AI", "2025-06-13")
    assert before["probability"] == risk("Plain", "2025-06-11")["probability"]
    assert not [c for c in before["contributions"] if c["signal"] == "client_stake"]
    held = next(c for c in after["contributions"] if c["signal"] == "client_stake")
    assert held["value"] == 0.49 and held["event_id"] == "e1"
    early = cli("health", "Scale AI", "--as-of", "2025-06-11", "--without", "e1")
    assert early.code == 2 and "no event 'e1'" in early.stderr  # not known yet, as before


def test_allocate_as_of_offers_work_only_to_partners_that_had_delivered(cli: RunCli, tmp_path: Path) -> None:
    """Before: every partner that ever delivered to the project was offered work in a replay, and a
    partner without a price was an error about '<default contract>' that named no partner."""
    assert cli("client", "set", "--name", "Lab").code == 0
    contract = tmp_path / "c.toml"
    contract.write_text('[quality]\nmethod = "mv"\n[pay]\nprice_per_label = 0.2\n', encoding="utf-8")
    for seed, (name, day) in enumerate((("Early", "2024-06-01"), ("Late", "2025-06-01"))):
        assert cli("partner", "add", name, "--since", "2024-01-01", "--contract", contract).code == 0
        sim = simulate_delivery(n_tasks=60, n_workers=8, labels_per_task=3, gold_share=0.2, seed=seed)
        labels = write_annotations(sim.annotations, tmp_path / f"{name}.csv")
        gold = write_gold(sim.annotations, sim.gold, tmp_path / f"{name}-gold.csv")
        args = ("--partner", name, "--project", "p", "--gold", gold, "--delivered-at", day)
        assert cli("audit", labels, *args).code == 0
    run = cli("allocate", "--project", "p", "--labels", "100", "--as-of", "2025-01-01", "--json")
    assert run.code == 0, run.stderr
    assert [p["partner"] for p in json.loads(run.stdout)["partners"]] == ["Early"]
    assert cli("partner", "add", "Unpriced").code == 0
    run = cli("allocate", "--project", "p", "--labels", "100", "--partners", "Unpriced")
    assert run.code == 2 and "a price per label for partner 'Unpriced'" in run.stderr
