"""``labelpact risk fit``: the fit recovers a strong effect from a history file, and ``--save`` makes
later forecasts use it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labelpact.partners.risk import load_priors
from labelpact.partners.risk.library import library_priors

from .conftest import RunCli


def _history(path: Path, *, effect: float, seed: int = 0) -> Path:
    """400 relationships over 36 months; the monthly client-exit log-odds rise by ``effect`` per point
    of quality_excess (the simulation's truth), from a base of -5."""
    rng = np.random.default_rng(seed)
    lines = ["relationship,month,outcome,quality_excess"]
    for r in range(400):
        excess = float(rng.choice([0.0, 0.0, 2.0, 5.0]))
        for m in range(36):
            hazard = 1.0 / (1.0 + np.exp(-(-5.0 + effect * excess)))
            ended = rng.random() < hazard
            lines.append(f"r{r},{2020 + m // 12}-{m % 12 + 1:02d},{'client_exit' if ended else ''},{excess}")
            if ended:
                break
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fit_recovers_the_effect_and_save_feeds_the_forecast(
    cli: RunCli, tmp_path: Path, workspace: Path
) -> None:
    history = _history(tmp_path / "history.csv", effect=0.6)
    run = cli("risk", "fit", history, "--json", "--penalty", "0.01")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["n_relationships"] == 400 and doc["converged"]
    assert doc["brier"] < doc["brier_reference"]
    effect = next(e for e in doc["effects"] if e["name"].startswith("quality_excess"))
    assert abs(effect["estimate"] - 0.6) < 3 * effect["se"] + 0.05  # the prior says 0.15
    assert not (workspace / "risk_priors.toml").exists()
    assert cli("client", "set", "--name", "Acme").code == 0  # saving needs a workspace
    assert cli("risk", "fit", history, "--save").code == 0
    assert (workspace / "risk_priors.toml").is_file()


def test_a_bad_history_is_one_line_of_bad_input(cli: RunCli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("relationship,month,outcome\nr1,2020-01,divorce\n", encoding="utf-8")
    run = cli("risk", "fit", bad)
    assert run.code == 2 and "bad.csv" in run.stderr and "line 2" in run.stderr


CASES = Path(__file__).resolve().parents[2] / "src" / "labelpact" / "partners" / "data" / "cases"


def test_fit_reads_the_case_library_and_reports_intervals_and_support(cli: RunCli, workspace: Path) -> None:
    run = cli("risk", "fit", CASES, "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["n_cases"] >= 25 and doc["converged"]
    welfare = next(e for e in doc["effects"] if e["name"] == "worker_welfare.client_exit")
    assert welfare["n_cases"] >= 5 and welfare["interval"][0] <= welfare["estimate"] <= welfare["interval"][1]
    shown = cli("risk", "fit", CASES)
    assert shown.code == 0 and "cases" in shown.stdout and "90% interval" in shown.stdout
    assert cli("risk", "fit", CASES / "meta-sama.json", "--save").code == 2  # no workspace to save in
    assert cli("client", "set", "--name", "Acme").code == 0
    assert cli("risk", "fit", CASES / "meta-sama.json", "--save").code == 0  # one case file works too
    assert (workspace / "risk_priors.toml").is_file()


def test_fit_on_the_packaged_library_reproduces_the_shipped_fit(cli: RunCli, workspace: Path) -> None:
    """``risk fit CASES`` is the shipped procedure (memory profiled, intercepts anchored): its effects and
    the priors it saves equal ``data/risk_library_fit.toml``, half-lives included."""
    shipped = library_priors()
    run = cli("risk", "fit", CASES, "--json")
    assert run.code == 0, run.stderr
    estimates = {e["name"]: e["estimate"] for e in json.loads(run.stdout)["effects"]}
    effects = [e for e in shipped.effects if e.signal != "intercept"]  # the library's own intercepts differ
    assert len(effects) > 20
    np.testing.assert_allclose([estimates[e.name] for e in effects], [e.value for e in effects], atol=1e-9)
    assert cli("client", "set", "--name", "Acme").code == 0
    assert cli("risk", "fit", CASES, "--save").code == 0
    saved = load_priors((workspace / "risk_priors.toml").read_text(encoding="utf-8"))
    np.testing.assert_allclose(saved.values, shipped.values, atol=1e-9)
    np.testing.assert_allclose(saved.sds, shipped.sds, atol=1e-9)
    assert saved.half_life_days == shipped.half_life_days != load_priors().half_life_days


def test_a_bad_case_file_is_one_line_of_bad_input(cli: RunCli, tmp_path: Path) -> None:
    doc = json.loads((CASES / "meta-sama.json").read_text(encoding="utf-8"))
    doc["events"][0]["kind"] = "gossip"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    run = cli("risk", "fit", bad)
    assert run.code == 2 and "bad.json" in run.stderr and "kind" in run.stderr


@pytest.mark.parametrize("penalty", ["inf", "1e308", "nan", "-1"])
def test_a_penalty_out_of_range_is_refused_before_the_fit(cli: RunCli, penalty: str) -> None:
    """An infinite weight overflowed the fit: LAPACK text and ``NaN`` reached stdout with exit 0."""
    run = cli("risk", "fit", CASES / "meta-sama.json", "--penalty", penalty, "--json")
    assert run.code == 2 and run.stdout == ""
    error = json.loads(run.stderr)["error"]
    assert error["column"] == "--penalty" and error["expected"] == "a penalty from 0 to 1e+06"


def test_no_penalty_where_the_likelihood_has_no_maximum_is_one_line(cli: RunCli) -> None:
    """``--penalty 0`` on one case: two causes never happen in it, so their intercepts run off (was an
    internal error in the anchoring's root finder)."""
    run = cli("risk", "fit", CASES / "meta-sama.json", "--penalty", "0", "--json")
    assert run.code == 2 and run.stdout == ""
    error = json.loads(run.stderr)["error"]
    assert error["column"] == "--penalty" and "no finite maximum" in error["expected"]


@pytest.mark.parametrize(
    ("content", "message"),
    [  # before: exit 0 with the row misread, NaN in --json, or a LinAlgError (exit 1)
        ("a,2023-01,,0\na,2023-02\n", "h.csv, line 3: expected 4 cells as in the header, got 2 cells"),
        ("a,2023-01,,0\na,2023-02,client_exit,1,9\n", "h.csv, line 3: expected 4 cells as in the header"),
        (
            "a,2023-01,,0\na,2023-02,,1e300\n",
            "h.csv, line 3, column 'quality_excess': expected a number from 0",
        ),
        (
            "a,2023-01,,0\n\n\na,2023-02,,-1\n",
            "h.csv, line 5, column 'quality_excess'",
        ),  # blank lines counted
        ("a,2023-01,,0,-5\n", "h.csv, line 2, column 'age_months': expected a number from 0 to 1200"),
    ],
    ids=["short-row", "extra-cell", "huge-signal", "negative-after-blank-lines", "negative-age"],
)
def test_a_malformed_history_row_is_one_line_naming_it(
    cli: RunCli, tmp_path: Path, content: str, message: str
) -> None:
    header = "relationship,month,outcome,quality_excess" + (",age_months" if "-5" in content else "")
    history = tmp_path / "h.csv"
    history.write_text(header + "\n" + content, encoding="utf-8")
    run = cli("risk", "fit", history, "--json")
    assert run.code == 2 and run.stdout == ""
    assert message in json.loads(run.stderr)["error"]["message"]


def test_a_history_names_each_column_once_and_may_carry_a_byte_order_mark(
    cli: RunCli, tmp_path: Path
) -> None:
    twice = tmp_path / "twice.csv"
    twice.write_text("relationship,month,quality_excess,quality_excess\na,2023-01,0,1\n", encoding="utf-8")
    run = cli("risk", "fit", twice)
    assert (
        run.code == 2
        and "twice.csv, line 1, column 'quality_excess': expected each column once" in run.stderr
    )
    marked = _history(tmp_path / "marked.csv", effect=0.6)
    marked.write_bytes(b"\xef\xbb\xbf" + marked.read_bytes())  # before: "expected a column 'relationship'"
    assert cli("risk", "fit", marked, "--penalty", "0.01").code == 0
