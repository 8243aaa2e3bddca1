"""Inline SVG charts drawn from report facts: no script, no external request, the same bytes for the same facts.

Each function returns one ``<svg>`` element as text (numbers written with one decimal, text escaped).
Colours follow the verdicts: accept green, review amber, reject red.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from labelpact.report.facts import AuditFacts, HealthFacts

__all__ = ["VERDICT_COLOURS", "contribution_chart", "control_chart", "estimate_chart", "verdict_strip"]

VERDICT_COLOURS = {"accept": "#2e7d32", "review": "#f9a825", "reject": "#c62828"}
_W, _H = 720, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 84, 16, 16, 36
_AXIS = "#555"
_GRID = "#ddd"


def _svg(body: list[str], title: str, height: int = _H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _x_scale(dates: Sequence[dt.date]) -> tuple[dt.date, float]:
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    return first, (_W - _LEFT - _RIGHT) / span


def _x(day: dt.date, first: dt.date, per_day: float) -> float:
    return _LEFT + (day - first).days * per_day


def _y(value: float, low: float, high: float, height: int = _H) -> float:
    span = high - low if high > low else 1.0
    return _TOP + (1.0 - (value - low) / span) * (height - _TOP - _BOTTOM)


def _axes(low: float, high: float, dates: Sequence[dt.date], fmt: str, height: int = _H) -> list[str]:
    """Horizontal grid lines with labels at five levels and the first and last date on the x axis."""
    out = []
    for i in range(5):
        value = low + (high - low) * i / 4
        y = _y(value, low, high, height)
        label = f"{100 * value:.0f}%" if fmt == "percent" else f"{value:.2f}"
        out.append(f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{_GRID}"/>')
        out.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{_AXIS}">{label}</text>'
        )
    if dates:
        out.append(
            f'<text x="{_LEFT}" y="{height - 10}" font-size="11" fill="{_AXIS}">{min(dates).isoformat()}</text>'
        )
        out.append(
            f'<text x="{_W - _RIGHT}" y="{height - 10}" font-size="11" text-anchor="end" fill="{_AXIS}">'
            f"{max(dates).isoformat()}</text>"
        )
    return out


def verdict_strip(audits: Sequence[AuditFacts]) -> str:
    """One square per audited batch in delivery order, coloured by verdict, one row per partner."""
    partners = sorted({a.partner for a in audits})
    row = 26
    height = _TOP + row * max(len(partners), 1) + _BOTTOM
    body: list[str] = []
    if audits:
        first, per_day = _x_scale([a.delivered for a in audits])
        for i, partner in enumerate(partners):
            y = _TOP + i * row
            body.append(
                f'<text x="{_LEFT - 6}" y="{y + 15}" font-size="10" text-anchor="end" fill="{_AXIS}">'
                f"{escape(partner if len(partner) <= 13 else partner[:12] + '…')}</text>"
            )
            for a in (a for a in audits if a.partner == partner):
                x = _x(a.delivered, first, per_day)
                colour = VERDICT_COLOURS.get(a.verdict, _AXIS)
                body.append(
                    f'<rect x="{x - 4:.1f}" y="{y + 4}" width="8" height="16" fill="{colour}">'
                    f"<title>{escape(f'{a.delivered.isoformat()} {a.batch} {a.verdict}')}</title></rect>"
                )
        body += _axes(0, 0, [a.delivered for a in audits], "plain", height)[-2:]
    return _svg(body, "Verdict of every audited batch over time", height)


def estimate_chart(audits: Sequence[AuditFacts], metric: str) -> str:
    """Per batch, the estimate and its 95% interval: ``metric`` is ``error_rate`` or ``agreement``."""
    points = [(a, getattr(a, metric)) for a in audits if getattr(a, metric) is not None]
    body: list[str] = []
    percent = metric == "error_rate"
    if points:
        values = [v for _, e in points for v in (e.value, e.low, e.high) if v is not None]
        low = 0.0 if percent else min(0.0, min(values))
        high = max(values) * 1.1 if percent else 1.0
        first, per_day = _x_scale([a.delivered for a, _ in points])
        body += _axes(low, high, [a.delivered for a, _ in points], "percent" if percent else "plain")
        for a, e in points:
            x = _x(a.delivered, first, per_day)
            colour = VERDICT_COLOURS.get(a.verdict, _AXIS)
            if e.low is not None and e.high is not None:
                body.append(
                    f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{_y(e.low, low, high):.1f}" '
                    f'y2="{_y(e.high, low, high):.1f}" stroke="{colour}" stroke-width="1.5"/>'
                )
            body.append(
                f'<circle cx="{x:.1f}" cy="{_y(e.value, low, high):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(f'{a.batch} {a.partner}: {e.value:.4f}')}</title></circle>"
            )
    name = "Estimated error rate" if percent else "Krippendorff's alpha"
    return _svg(body, f"{name} per batch with its 95% interval")


def control_chart(health: HealthFacts) -> str:
    """The p-chart of a partner's defect rate per batch: centre line, control limits and alarms."""
    body: list[str] = []
    rows = health.chart
    if rows:
        values = [v for _, p, lo, hi in rows for v in (p, lo, hi) if v is not None]
        low, high = 0.0, max(max(values) * 1.1, 0.01)
        dates = [d for d, *_ in rows]
        first, per_day = _x_scale(dates)
        body += _axes(low, high, dates, "percent")
        for limit in (
            [(d, lo) for d, _, lo, _ in rows if lo is not None],
            [(d, hi) for d, _, _, hi in rows if hi is not None],
        ):
            if limit:
                path = " ".join(f"{_x(d, first, per_day):.1f},{_y(v, low, high):.1f}" for d, v in limit)
                body.append(
                    f'<polyline points="{path}" fill="none" stroke="#c62828" stroke-dasharray="4 3"/>'
                )
        if health.centre is not None:
            y = _y(health.centre, low, high)
            body.append(
                f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#1565c0" stroke-dasharray="2 2"/>'
            )
        path = " ".join(f"{_x(d, first, per_day):.1f},{_y(p, low, high):.1f}" for d, p, *_ in rows)
        body.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-width="1.5"/>')
        alarmed = {d for d, _, _ in health.alarms}
        for d, p, *_ in rows:
            colour = "#c62828" if d in alarmed else "#333"
            body.append(
                f'<circle cx="{_x(d, first, per_day):.1f}" cy="{_y(p, low, high):.1f}" r="2.5" fill="{colour}"/>'
            )
    return _svg(body, f"Defect rate of {health.partner} per batch with control limits")


def contribution_chart(health: HealthFacts, top: int = 8) -> str:
    """The signals that move the breakdown forecast most, as bars left (stabilising) or right (raising)."""
    items = sorted(health.contributions, key=lambda c: -abs(c[1]))[:top]
    row = 22
    height = _TOP + row * max(len(items), 1) + _BOTTOM
    body: list[str] = []
    if items:
        scale = max(abs(e) for _, e, _ in items) or 1.0
        left, right = 210, _W - _RIGHT - 80  # names to the left, values in a column to the right
        mid, half = (left + right) / 2, (right - left) / 2
        body.append(
            f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{_TOP}" y2="{height - _BOTTOM}" stroke="{_AXIS}"/>'
        )
        for i, (signal, effect, _) in enumerate(items):
            y = _TOP + i * row
            width = abs(effect) / scale * half
            x = mid if effect >= 0 else mid - width
            colour = "#c62828" if effect > 0 else "#2e7d32"
            body.append(
                f'<text x="{left - 10}" y="{y + 15}" font-size="11" text-anchor="end" fill="{_AXIS}">'
                f"{escape(signal[:30])}</text>"
            )
            body.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{width:.1f}" height="14" fill="{colour}"/>')
            body.append(
                f'<text x="{_W - _RIGHT}" y="{y + 15}" font-size="11" text-anchor="end" fill="{_AXIS}">'
                f"{100 * effect:+.1f} pts</text>"
            )
    return _svg(body, f"What moves the forecast for {health.partner}", height)
