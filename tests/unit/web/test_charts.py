"""The dashboard's SVG charts: well-formed, titled, with axis titles, the palette, one marker per point."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from labelpact.web.charts import PALETTE, Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=7 * i) for i in range(6)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_line_chart_is_accessible_and_draws_every_point() -> None:
    svg = line_chart(
        [
            Series("Acme <Labs>", DAYS, [0.01, 0.02, 0.05, 0.03, 0.02, 0.04], alarms=frozenset({DAYS[2]})),
            Series("Borealis", DAYS[:3], [0.1, 0.12, 0.08]),
        ],
        title="Defect rate per batch",
        x_label="Delivery date",
        y_label="Share wrong",
        ident="t",
        percent=True,
        floor=0.0,
    )
    root = parse(svg)  # well-formed: every name is escaped
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-t t-d"
    assert root.find(f"{SVG}title").text == "Defect rate per batch"
    assert "Acme <Labs>" in root.find(f"{SVG}desc").text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Delivery date", "Share wrong", "alarm", "Acme <Labs>", "Borealis"} <= set(texts)
    assert "0%" in texts  # the axis starts at the floor, with round ticks
    tips = [t.text for t in root.iter(f"{SVG}title")][1:]
    assert sum(tip.startswith("Acme <Labs>, ") for tip in tips) == 6
    assert sum(tip.startswith("Borealis, ") for tip in tips) == 3
    assert "alarm on 2026-01-15" in tips
    colours = {e.get("fill") for e in root.iter() if e.get("fill") not in (None, "none")}
    colours |= {e.get("stroke") for e in root.iter() if e.get("stroke")}
    assert {PALETTE[0], PALETTE[1]} <= colours
    assert colours <= {*PALETTE, "#333", "#d9d9d9"}


def test_line_chart_without_data_says_so() -> None:
    root = parse(line_chart([Series("x", [], [])], title="T", x_label="X", y_label="Y", ident="e"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["No data yet"]


def test_bar_chart_labels_each_sign_in_text() -> None:
    root = parse(
        bar_chart([("rival_stake (e6)", 0.158), ("min_spend", -0.155)], title="T", x_label="pts", ident="b")
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "+15.8 pts" in texts
    assert "-15.5 pts" in texts
    assert {"lowers", "raises", "pts"} <= set(texts)
    rects = list(root.iter(f"{SVG}rect"))
    assert [r.get("fill") for r in rects] == [PALETTE[5], PALETTE[0]]
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] > widths[1] > 0  # drawn to scale
