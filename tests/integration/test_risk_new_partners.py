"""A partnership that began less than a month ago, or has not begun yet, on the portfolio, the partner page
and ``labelpact health`` (hunt_risk finding 1: one such partner took the client's whole portfolio down)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from labelpact.config import load_settings
from labelpact.services.access import Principal
from labelpact.services.dashboard import partner_view, portfolio_view
from labelpact.services.workspace import add_partner, set_client
from labelpact.store import Store

from .conftest import RunCli

CLIENT = Principal(user="ada", role="client")
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A workspace with an old partner, one signed ten days ago and one that starts in three months."""
    with Store.open(load_settings({}, workspace=tmp_path / "ws")) as opened:
        set_client(opened, "Lab")
        add_partner(opened, "Old", since=dt.date(2024, 1, 1))
        add_partner(opened, "Fresh", since=TODAY - dt.timedelta(days=10))
        add_partner(opened, "Future", since=TODAY + dt.timedelta(days=90))
        yield opened


def test_the_portfolio_lists_every_partner_with_no_figure_before_a_start(store: Store) -> None:
    rows = {r["partner"]: r for r in portfolio_view(store, CLIENT)["partners"]}
    assert set(rows) == {"Old", "Fresh", "Future"}
    assert rows["Old"]["risk_month_ago"] is not None
    assert rows["Fresh"]["risk"] is not None
    assert rows["Fresh"]["risk_month_ago"] is None and rows["Fresh"]["risk_change"] is None
    future = rows["Future"]
    assert future["risk"] is None and future["state"].startswith("starts on ")
    assert future["not_started_until"] == (TODAY + dt.timedelta(days=90)).isoformat()


def test_a_future_partners_page_is_read_as_of_its_first_day(store: Store) -> None:
    view = partner_view(store, CLIENT, "Future")
    starts = (TODAY + dt.timedelta(days=90)).isoformat()
    assert view["not_started_until"] == starts and view["as_of"] == starts
    assert view["client"]["risk"]["probability"] >= 0.0


def test_plain_health_of_a_future_partner_says_it_has_not_started(cli: RunCli) -> None:
    starts = (TODAY + dt.timedelta(days=90)).isoformat()
    assert cli("partner", "add", "Future", "--since", starts).code == 0
    run = cli("health", "Future")
    assert run.code == 2
    assert "--as-of" not in run.stderr and f"starts on {starts}" in run.stderr
    asked = cli("health", "Future", "--as-of", TODAY.isoformat())
    assert asked.code == 2 and "--as-of" in asked.stderr


def test_an_as_of_at_the_end_of_the_calendar_is_bad_input(cli: RunCli) -> None:
    """``--as-of 9999-12-31`` overflowed the date arithmetic: an internal error (exit 1, HTTP 500)."""
    assert cli("partner", "add", "V", "--since", "2024-01-01").code == 0
    run = cli("health", "V", "--as-of", "9999-12-31")
    assert run.code == 2 and "--as-of" in run.stderr and "9997-12-31" in run.stderr


def test_the_future_as_of_warning_says_future_dated_events_count(cli: RunCli) -> None:
    """The warning said the forecast "knows no event after today" while it counted a future-dated one."""
    later = TODAY + dt.timedelta(days=200)
    assert cli("partner", "add", "V", "--since", "2024-01-01").code == 0
    added = cli(
        "event", "add", "V", "--kind", "layoff", "--date", (later - dt.timedelta(days=20)).isoformat()
    )
    assert added.code == 0, added.stderr
    run = cli("health", "V", "--as-of", later.isoformat(), "--json")
    assert run.code == 0, run.stderr
    assert "knows no event after today" not in run.stderr and "future-dated ones too" in run.stderr
    assert any(c["signal"] == "layoff" for c in json.loads(run.stdout)["risk"]["contributions"])


def test_the_drivers_table_says_its_rows_do_not_add_up(cli: RunCli) -> None:
    """Each row is a leave-one-out change (70 pts of rows for a 43-pt rise): the table now says so."""
    assert cli("client", "set", "--name", "Lab", "--rivals", "Rival Corp").code == 0
    assert cli("partner", "add", "V", "--since", "2024-01-01").code == 0
    add = ("event", "add", "V", "--kind", "investment", "--date", "2025-03-01", "--actor", "Rival Corp")
    assert cli(*add, "--magnitude", "0.3").code == 0
    run = cli("health", "V", "--as-of", "2025-04-01")
    assert run.code == 0, run.stderr
    assert "What drives it (each: the risk minus the risk without it; these do not add up)" in run.stdout
    templates = Path(__file__).resolve().parents[2] / "src" / "labelpact"
    for page in ("web/templates/partner.html.j2", "report/templates/report.html.j2"):
        assert "do not add up" in (templates / page).read_text(encoding="utf-8")


def test_a_partner_without_since_or_audits_says_its_start_is_unknown(cli: RunCli) -> None:
    """Its age was 0 on every date, and nothing said the start was unknown (hunt_risk finding 8)."""
    assert cli("partner", "add", "NoSince").code == 0
    assert cli("partner", "add", "Dated", "--since", "2024-01-01").code == 0
    run = cli("health", "NoSince", "--as-of", "2025-02-01")
    assert run.code == 0 and "start unknown" in run.stdout
    doc = json.loads(cli("health", "NoSince", "--as-of", "2025-02-01", "--json").stdout)
    assert doc["start"] == {"date": None, "source": "unknown"}
    dated = json.loads(cli("health", "Dated", "--as-of", "2025-02-01", "--json").stdout)
    assert dated["start"] == {"date": "2024-01-01", "source": "since"}
    assert "start unknown" not in cli("health", "Dated", "--as-of", "2025-02-01").stdout
