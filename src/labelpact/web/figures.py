"""The dashboard's figures drawn from the view documents of ``services.dashboard`` (no numbers made here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from labelpact.web.charts import Series, bar_chart, line_chart

__all__ = ["contribution_figure", "control_figures", "defect_figure"]

_CHART_NAMES = {
    "p": ("p-chart of the defect rate", "Share of checked tasks that were wrong", True),
    "ewma": ("EWMA of the defect rate", "Smoothed share wrong", True),
    "cusum": ("CUSUM of the defect rate", "Cumulative sum (σ)", False),
}


def _dates(values: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(v) for v in values]


def defect_figure(rows: list[dict[str, Any]], *, ident: str = "defects") -> Markup:
    """Each partner's defect rate per audited batch over time; ``rows`` are portfolio rows or one partner's."""
    series = [
        Series(
            name=row["partner"],
            dates=_dates([p["date"] for p in row["defect_rate"]]),
            values=[p["rate"] for p in row["defect_rate"]],
        )
        for row in rows
    ]
    title = "Defect rate per batch" if len(rows) != 1 else f"Defect rate of {rows[0]['partner']} per batch"
    return Markup(
        line_chart(
            series,
            title=title,
            x_label="Delivery date",
            y_label="Share of checked tasks wrong",
            ident=ident,
            percent=True,
            floor=0.0,
        )
    )


def control_figures(charts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each control chart (p, EWMA, CUSUM) as a figure: statistic, centre, limits and alarms ringed."""
    out = []
    for chart in charts:
        title, y_label, percent = _CHART_NAMES[chart["name"]]
        dates = _dates(chart["dates"])
        alarmed = frozenset(dt.date.fromisoformat(a["date"]) for a in chart["alarms"])
        series = [
            Series("statistic", dates, chart["values"], alarms=alarmed),
            Series("upper limit", dates, chart["ucl"], dashed=True, points=False),
            Series("centre", dates, [chart["centre"]] * len(dates), dashed=True, points=False),
        ]
        if chart["name"] == "cusum":
            worse = frozenset(
                dt.date.fromisoformat(a["date"]) for a in chart["alarms"] if a["direction"] == "worse"
            )
            series[0] = Series("upper sum", dates, chart["values"], alarms=worse)
            series.insert(1, Series("lower sum", dates, chart["lower_sum"], alarms=alarmed - worse))
            series[2] = Series("h (signal above)", dates, chart["ucl"], dashed=True, points=False)
        else:
            series.insert(2, Series("lower limit", dates, chart["lcl"], dashed=True, points=False))
        svg = line_chart(
            series,
            title=title,
            x_label="Delivery date",
            y_label=y_label,
            ident=f"spc-{chart['name']}",
            percent=percent,
            floor=0.0,
        )
        rows = [
            {
                "date": chart["dates"][i],
                "value": chart["values"][i],
                "lcl": chart["lower_sum"][i] if chart["name"] == "cusum" else chart["lcl"][i],
                "ucl": chart["ucl"][i],
                "out": chart["out_of_control"][i],
            }
            for i in range(len(dates))
        ]
        names = ("Lower sum", "h") if chart["name"] == "cusum" else ("Lower limit", "Upper limit")
        out.append(
            {
                "name": chart["name"],
                "title": title,
                "svg": Markup(svg),
                "rows": rows,
                "percent": percent,
                "columns": names,
            }
        )
    return out


def contribution_figure(risk: dict[str, Any], partner: str, top: int = 10) -> Markup:
    """The signals that move the breakdown forecast most, in percentage points."""
    items = sorted(risk["contributions"], key=lambda c: -abs(c["effect"]))[:top]
    return Markup(
        bar_chart(
            [
                (c["signal"] + (f" ({c['event_id']})" if c.get("event_id") else ""), c["effect"])
                for c in items
            ],
            title=f"What moves the forecast for {partner}",
            x_label="Change in breakdown probability (percentage points)",
            ident="contributions",
        )
    )
