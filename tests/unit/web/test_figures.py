"""The dashboard's figures from view documents: control charts keep their numbers, CUSUM both sums."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from labelpact.web.figures import contribution_figure, control_figures

SVG = "{http://www.w3.org/2000/svg}"
DATES = ["2026-01-01", "2026-01-08", "2026-01-15"]


def chart(name: str) -> dict[str, object]:
    return {
        "name": name,
        "metric": "errors",
        "dates": DATES,
        "centre": 0.05,
        "values": [0.04, 0.06, 0.2],
        "lcl": [0.0, 0.0, 0.0],
        "ucl": [0.12, 0.12, 0.12],
        "out_of_control": [False, False, True],
        "alarms": [{"date": "2026-01-15", "direction": "worse"}],
        "lower_sum": [0.0, 0.1, 0.0],
    }


def test_control_figures_keep_every_number_and_ring_the_alarm() -> None:
    p, cusum = control_figures([chart("p"), chart("cusum")])
    assert [r["value"] for r in p["rows"]] == [0.04, 0.06, 0.2]
    assert [r["out"] for r in p["rows"]] == [False, False, True]
    assert p["columns"] == ("Lower limit", "Upper limit")
    assert cusum["columns"] == ("Lower sum", "h")
    assert [r["lcl"] for r in cusum["rows"]] == [0.0, 0.1, 0.0]
    root = ET.fromstring(str(cusum["svg"]))
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"upper sum", "lower sum", "h (signal above)", "alarm"} <= texts
    assert [t.text for t in root.iter(f"{SVG}title")].count(
        "alarm on 2026-01-15"
    ) == 1  # on the upper sum only


def test_contribution_figure_names_the_event_and_orders_by_size() -> None:
    risk = {
        "contributions": [
            {"signal": "new_events", "effect": 0.01, "event_id": None},
            {"signal": "rival_stake", "effect": 0.15, "event_id": "e6"},
            {"signal": "min_spend", "effect": -0.1, "event_id": None},
        ]
    }
    root = ET.fromstring(str(contribution_figure(risk, "Acme")))
    names = [t.text for t in root.iter(f"{SVG}text")][:6:2]
    assert names == ["rival_stake (e6)", "min_spend", "new_events"]
    assert root.find(f"{SVG}title").text == "What moves the forecast for Acme"
