"""The measures of a preferences, ratings or demonstrations audit, named as the report and the dashboard show
them: agreement, position bias, straight-lining, near-duplicate and LLM-suspect shares, each with its interval."""

from __future__ import annotations

from typing import Any

from labelpact.report import Estimate

__all__ = ["kind_measures"]


def kind_measures(m: dict[str, Any], kind: str) -> tuple[tuple[str, Estimate | None, str], ...]:
    """A preferences, ratings or demonstrations audit's measures as the report shows them; () for labels."""
    share = ("share of the batch by flagged workers", Estimate.of(m.get("error_rate")), "percent")
    if kind == "preferences":
        return (
            ("Krippendorff's alpha on the choices", Estimate.of(m.get("krippendorff_alpha")), "plain"),
            (
                "position bias (left picks above the strengths)",
                Estimate.of(m.get("position_bias")),
                "percent",
            ),
            share,
        )
    if kind == "ratings":
        criteria = m.get("criteria") or {}
        return (
            *(
                (f"Krippendorff's alpha, {name}", Estimate.of(next(
                    (v for k, v in doc.items() if k.startswith("krippendorff_alpha")), None
                )), "plain")
                for name, doc in criteria.items()
                if isinstance(doc, dict)
            ),
            ("straight-lining (one score on every criterion)", Estimate.of(m.get("straight_lining")), "percent"),
            share,
        )  # fmt: skip
    if kind == "demonstrations":
        return (
            ("near-duplicate answers", Estimate.of(m.get("near_duplicate_rate")), "percent"),
            (
                "LLM-suspect answers (signals, never a verdict)",
                Estimate.of(m.get("llm_suspect_share")),
                "percent",
            ),
            ("low-quality answers", Estimate.of(m.get("low_quality_share")), "percent"),
        )
    return ()
