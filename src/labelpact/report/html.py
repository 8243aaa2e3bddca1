"""The readable transparency report: one self-contained HTML file (inline CSS and SVG, no script, no request).

Two editions: ``client`` (everything, with the partner's events, process-control charts and the breakdown
forecast) and ``partner`` (what a vendor may see: its batches, findings, disputes; never the ledger,
health internals or forecast). ``report_pdf`` renders the same HTML through WeasyPrint (optional extra).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from labelpact.errors import InvalidInputError
from labelpact.report.charts import (
    VERDICT_COLOURS,
    contribution_chart,
    control_chart,
    estimate_chart,
    verdict_strip,
)
from labelpact.report.eu_ai_act import eu_ai_act
from labelpact.report.facts import Edition, Estimate, ProjectFacts
from labelpact.report.pooled import pooled
from labelpact.report.rai import rai_values
from labelpact.report.vocabulary import RAI_PROPERTIES, percent

__all__ = ["EDITIONS", "render_report", "report_pdf"]

EDITIONS: tuple[Edition, ...] = ("client", "partner")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("labelpact.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = percent
    env.filters["estimate"] = _estimate
    return env


def _estimate(e: Estimate | None, kind: str = "percent") -> str:
    if e is None:
        return "-"
    fmt = percent if kind == "percent" else (lambda v: f"{v:.3f}")
    if e.low is None or e.high is None:
        return fmt(e.value)
    return f"{fmt(e.value)} [{fmt(e.low)}, {fmt(e.high)}]"


def _context(facts: ProjectFacts, edition: Edition) -> dict[str, Any]:
    client = edition == "client"
    values = rai_values(facts)
    return {
        "facts": facts,
        "edition": edition,
        "client_edition": client,
        "pooled": pooled(facts.included),
        "colours": VERDICT_COLOURS,
        "rai": [(prop, values[prop.name]) for prop in RAI_PROPERTIES],
        "eu": eu_ai_act(facts),
        "verdicts": Markup(verdict_strip(facts.audits)),
        "error_chart": Markup(estimate_chart(facts.audits, "error_rate")),
        "agreement_chart": Markup(estimate_chart(facts.audits, "agreement")),
        "health": [
            (h, Markup(control_chart(h)), Markup(contribution_chart(h)))
            for h in (facts.health if client else ())
        ],
        "events": facts.events if client else (),
        "ethics": [
            a for a in facts.audits if a.pii_scanned or a.pay_floor is not None or a.bias or a.licenses
        ],
    }


def render_report(facts: ProjectFacts, *, edition: Edition = "client") -> str:
    """The report as HTML text; the same facts and edition always give the same text."""
    if edition not in EDITIONS:
        raise InvalidInputError(
            "an edition of client or partner", column="edition", column_kind="field", got=repr(edition)
        )
    if edition == "partner" and facts.partner is None:
        raise InvalidInputError(
            "a partner for the partner edition", column="partner", column_kind="field", got="none"
        )
    return _environment().get_template("report.html.j2").render(**_context(facts, edition))


def report_pdf(html: str) -> bytes:
    """The report as PDF through WeasyPrint (``pip install labelpact[pdf]``); base URL none: no fetches."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped,unused-ignore]
    except ImportError as error:  # pragma: no cover - the pdf extra is installed in development
        raise InvalidInputError(
            "WeasyPrint for the pdf format (pip install 'labelpact[pdf]')",
            column="fmt",
            column_kind="field",
            got="pdf",
        ) from error

    def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing: {url}")

    pdf: bytes = HTML(string=html, url_fetcher=refuse).write_pdf()
    return pdf
