"""Inline SVG charts of the dashboard: titled, with axis titles, the Okabe-Ito palette and a marker shape per
series, so no chart relies on colour alone; every page also shows each chart's numbers as a table.

The transparency report's charts (``report.charts``) colour verdicts red and green and draw one fixed
chart each; these draw any number of dated series, control limits and alarms. Text is escaped here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["PALETTE", "Series", "bar_chart", "line_chart"]

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
MARKERS = ("circle", "square", "triangle", "diamond")
_ALARM = "#D55E00"
_AXIS, _GRID = "#333", "#d9d9d9"
_W, _H = 760, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 20, 16, 52


@dataclass(frozen=True, slots=True)
class Series:
    """One line: ``values[i]`` at ``dates[i]``; ``alarms`` are the dates flagged out of control."""

    name: str
    dates: Sequence[dt.date]
    values: Sequence[float]
    dashed: bool = False
    alarms: frozenset[dt.date] = field(default_factory=frozenset)
    points: bool = True


def _fmt(value: float, percent: bool) -> str:
    return f"{100 * value:.3g}%" if percent else f"{value:.3g}"


def _marker(shape: str, x: float, y: float, colour: str, size: float = 3.5) -> str:
    if shape == "square":
        return f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" height="{2 * size:.1f}" fill="{colour}"'
    if shape == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - size - 1:.1f} {x - size - 1:.1f},{y + size:.1f} '
            f'{x + size + 1:.1f},{y + size:.1f}" fill="{colour}"'
        )
    if shape == "diamond":
        s = size + 1.5
        return f'<polygon points="{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}" fill="{colour}"'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"'


def _frame(title: str, desc: str, body: list[str], ident: str, height: int = _H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" class="chart" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d"><title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _axis_titles(x_label: str, y_label: str, height: int) -> list[str]:
    mid_y = _TOP + (height - _TOP - _BOTTOM) / 2
    return [
        f'<text x="{_LEFT + (_W - _LEFT - _RIGHT) / 2:.1f}" y="{height - 6}" font-size="12" '
        f'text-anchor="middle" fill="{_AXIS}">{escape(x_label)}</text>',
        f'<text x="14" y="{mid_y:.1f}" font-size="12" text-anchor="middle" fill="{_AXIS}" '
        f'transform="rotate(-90 14 {mid_y:.1f})">{escape(y_label)}</text>',
    ]


def _nice_step(span: float) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about four intervals over ``span``."""
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    return float(next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw))


def _scale(values: Sequence[float], floor: float | None, percent: bool) -> tuple[float, float, float]:
    """(low, high, step) of the y axis: round ticks that hold every value."""
    low = min(values) if floor is None else min(floor, min(values))
    high = max(values)
    if high <= low:
        high = low + (0.01 if percent else 1.0)
    step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    return low, high, step


def _legend(plotted: Sequence[Series], height: int, rows: int, alarms: bool) -> list[str]:
    out = []
    entries: list[tuple[str, str, str, bool, bool]] = [
        (s.name, PALETTE[k % len(PALETTE)], MARKERS[k % len(MARKERS)], s.dashed, s.points)
        for k, s in enumerate(plotted)
    ]
    for k, (name, colour, shape, dashed, points) in enumerate(entries):
        lx, ly = _LEFT + (k % 4) * 170, height - _BOTTOM + 10 + 18 * (k // 4) - 18 * (rows - 1)
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        if points:
            out.append(_marker(shape, lx + 11, ly, colour) + f"></{_tag(shape)}>")
        out.append(
            f'<text x="{lx + 28}" y="{ly + 4}" font-size="11" fill="{_AXIS}">{escape(name[:24])}</text>'
        )
    if alarms:
        k = len(entries)
        lx, ly = _LEFT + (k % 4) * 170, height - _BOTTOM + 10 + 18 * (k // 4) - 18 * (rows - 1)
        out.append(
            f'<circle cx="{lx + 11}" cy="{ly}" r="6" fill="none" stroke="{_ALARM}" stroke-width="2.5"/>'
        )
        out.append(f'<text x="{lx + 28}" y="{ly + 4}" font-size="11" fill="{_AXIS}">alarm</text>')
    return out


def _line(
    s: Series, k: int, x: Callable[[dt.date], float], y: Callable[[float], float], percent: bool
) -> list[str]:
    colour, shape = PALETTE[k % len(PALETTE)], MARKERS[k % len(MARKERS)]
    path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(s.dates, s.values, strict=True))
    dash = ' stroke-dasharray="6 4"' if s.dashed else ""
    out = [f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>']
    for d, v in zip(s.dates, s.values, strict=True):
        if s.points:
            tip = escape(f"{s.name}, {d.isoformat()}: {_fmt(v, percent)}")
            out.append(_marker(shape, x(d), y(v), colour) + f"><title>{tip}</title></{_tag(shape)}>")
        if d in s.alarms:
            out.append(
                f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="8" fill="none" stroke="{_ALARM}" '
                f'stroke-width="2.5"><title>{escape(f"alarm on {d.isoformat()}")}</title></circle>'
            )
    return out


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    ident: str,
    percent: bool = False,
    floor: float | None = None,
) -> str:
    """Dated series on one time axis with a legend; alarm dates get a ring in the alarm colour."""
    plotted = [s for s in series if len(s.dates)]
    all_dates = [d for s in plotted for d in s.dates]
    alarms = any(s.alarms for s in plotted)
    legend_rows = (len(plotted) + alarms + 3) // 4
    height = _H + 18 * legend_rows
    if not all_dates:
        empty = [
            f'<text x="{_W / 2}" y="{height / 2}" text-anchor="middle" fill="{_AXIS}">No data yet</text>'
        ]
        return _frame(title, "No data yet.", empty, ident, height)
    first, last = min(all_dates), max(all_dates)
    per_day = (_W - _LEFT - _RIGHT) / max((last - first).days, 1)
    low, high, step = _scale([v for s in plotted for v in s.values], floor, percent)
    bottom = height - _BOTTOM - 18 * legend_rows

    def x(day: dt.date) -> float:
        return _LEFT + (day - first).days * per_day

    def y(value: float) -> float:
        return _TOP + (1.0 - (value - low) / (high - low)) * (bottom - _TOP)

    body: list[str] = []
    for i in range(round((high - low) / step) + 1):
        level = low + i * step
        body.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" stroke="{_GRID}"/>'
            f'<text x="{_LEFT - 6}" y="{y(level) + 4:.1f}" font-size="11" text-anchor="end" fill="{_AXIS}">'
            f"{_fmt(level, percent)}</text>"
        )
    span = (last - first).days
    ticks = sorted({first + dt.timedelta(days=round(span * i / 4)) for i in range(5)}) if span else [first]
    for i, day in enumerate(ticks):
        anchor = "start" if i == 0 else ("end" if i == len(ticks) - 1 else "middle")
        body.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{bottom}" y2="{bottom + 4}" stroke="{_AXIS}"/>'
            f'<text x="{x(day):.1f}" y="{bottom + 16}" font-size="11" text-anchor="{anchor}" fill="{_AXIS}">'
            f"{day.isoformat()}</text>"
        )
    body.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{bottom}" y2="{bottom}" stroke="{_AXIS}"/>')
    for k, s in enumerate(plotted):
        body += _line(s, k, x, y, percent)
    body += _legend(plotted, height, legend_rows, alarms)
    body += _axis_titles(x_label, y_label, height)
    names = ", ".join(s.name for s in plotted)
    desc = f"{y_label} by {x_label.lower()} from {first.isoformat()} to {last.isoformat()}: {names}."
    return _frame(title, desc, body, ident, height)


def _tag(shape: str) -> str:
    return {"square": "rect", "triangle": "polygon", "diamond": "polygon"}.get(shape, "circle")


def bar_chart(
    items: Sequence[tuple[str, float]], *, title: str, x_label: str, ident: str, unit: str = "pts"
) -> str:
    """Horizontal bars around zero: positive values (raising) right in vermillion, negative left in blue,
    each labelled with its value so the sign never rests on colour."""
    row = 24
    height = _TOP + row * max(len(items), 1) + _BOTTOM
    body: list[str] = []
    if not items:
        body.append(
            f'<text x="{_W / 2}" y="{height / 2}" text-anchor="middle" fill="{_AXIS}">Nothing to show</text>'
        )
        return _frame(title, "Nothing to show.", body, ident, height)
    scale = max(abs(v) for _, v in items) or 1.0
    left, right = 230, _W - _RIGHT - 80
    mid, half = (left + right) / 2, (right - left) / 2
    for i, (name, value) in enumerate(items):
        y = _TOP + i * row
        width = abs(value) / scale * half
        x = mid if value >= 0 else mid - width
        colour = PALETTE[5] if value > 0 else PALETTE[0]
        body.append(
            f'<text x="{left - 10}" y="{y + 16}" font-size="11" text-anchor="end" fill="{_AXIS}">{escape(name[:34])}</text>'
        )
        body.append(
            f'<rect x="{x:.1f}" y="{y + 5}" width="{max(width, 1):.1f}" height="14" fill="{colour}">'
            f"<title>{escape(f'{name}: {100 * value:+.1f} {unit}')}</title></rect>"
        )
        body.append(
            f'<text x="{_W - _RIGHT}" y="{y + 16}" font-size="11" text-anchor="end" fill="{_AXIS}">'
            f"{100 * value:+.1f} {unit}</text>"
        )
    bottom = height - _BOTTOM
    body.append(f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{_TOP}" y2="{bottom}" stroke="{_AXIS}"/>')
    body.append(
        f'<text x="{left}" y="{bottom + 16}" font-size="11" fill="{_AXIS}">lowers</text>'
        f'<text x="{right}" y="{bottom + 16}" font-size="11" text-anchor="end" fill="{_AXIS}">raises</text>'
        f'<text x="{mid:.1f}" y="{height - 8}" font-size="12" text-anchor="middle" fill="{_AXIS}">{escape(x_label)}</text>'
    )
    desc = "; ".join(f"{name} {100 * value:+.1f} {unit}" for name, value in items)
    return _frame(title, desc, body, ident, height)
