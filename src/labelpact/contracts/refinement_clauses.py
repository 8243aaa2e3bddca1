"""The contract clauses of model-refinement deliverables: ``[preferences]``, ``[ratings]``, ``[demonstrations]``.

Each limit is optional (None: not a clause of this contract) and is checked by ``contracts.refinement_verdict``
against what the audit measured; the detection settings (thresholds of the signals) have defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from labelpact.contracts.clause import Clause

__all__ = [
    "REFINEMENT_CLAUSES",
    "REFINEMENT_SECTIONS",
    "DemonstrationsClauses",
    "PreferencesClauses",
    "RatingsClauses",
]

RatingLevel = Literal["ordinal", "interval"]

REFINEMENT_CLAUSES: tuple[Clause, ...] = (
    Clause(
        "preferences",
        "min_agreement",
        "float",
        None,
        "minimum Krippendorff's alpha on the choices (ordinal: a tie lies between the two wins)",
        -1.0,
        1.0,
    ),
    Clause("preferences", "min_gold_agreement", "float", None, "minimum agreement with gold pairs", 0.0, 1.0),
    Clause(
        "preferences",
        "max_position_bias",
        "float",
        None,
        "largest share of decisive choices above the expected one that picked the left item",
        0.0,
        0.5,
    ),
    Clause(
        "preferences",
        "max_flagged_worker_share",
        "float",
        None,
        "maximum share of workers flagged (spammer, position-biased)",
        0.0,
        1.0,
    ),
    Clause(
        "ratings",
        "scales",
        "scales",
        None,
        "each rubric criterion's range, `name = [min, max]`; scores outside are input errors",
    ),
    Clause(
        "ratings",
        "min_agreement",
        "float",
        None,
        "minimum Krippendorff's alpha of every criterion",
        -1.0,
        1.0,
    ),
    Clause(
        "ratings",
        "agreement_level",
        "str",
        "ordinal",
        "Krippendorff's metric for ratings",
        choices=("ordinal", "interval"),
    ),
    Clause(
        "ratings",
        "max_rater_offset",
        "float",
        None,
        "largest severity or leniency of a rater (scale points) before the rater is flagged",
        0.0,
        1e6,
    ),
    Clause(
        "ratings",
        "max_straight_lining",
        "float",
        None,
        "maximum share of tasks given one score on all criteria",
        0.0,
        1.0,
    ),
    Clause("ratings", "max_flagged_worker_share", "float", None, "maximum share of raters flagged", 0.0, 1.0),
    Clause(
        "demonstrations",
        "max_near_duplicate_rate",
        "float",
        None,
        "maximum share of answers that near-duplicate another answer",
        0.0,
        1.0,
    ),
    Clause(
        "demonstrations",
        "max_llm_suspect_share",
        "float",
        None,
        "maximum share of answers carrying min_signals LLM-use signals",
        0.0,
        1.0,
    ),
    Clause(
        "demonstrations",
        "max_low_quality_share",
        "float",
        None,
        "maximum share of answers failing a quality rule (length, symbols, repetition)",
        0.0,
        1.0,
    ),
    Clause(
        "demonstrations",
        "duplicate_threshold",
        "float",
        0.8,
        "estimated Jaccard similarity (MinHash) from which two answers are near-duplicates",
        0.05,
        1.0,
    ),
    Clause(
        "demonstrations",
        "typing_cps",
        "float",
        8.0,
        "characters per second faster than anyone composes (an LLM-use signal)",
        0.1,
        1000.0,
    ),
    Clause(
        "demonstrations", "min_signals", "int", 2, "LLM-use signals an answer needs to be LLM-suspect", 1, 4
    ),
    Clause(
        "demonstrations", "min_words", "int", 10, "fewest words of an answer of acceptable quality", 0, 100000
    ),
)


@dataclass(frozen=True, slots=True)
class PreferencesClauses:
    """``[preferences]``: agreement, gold and position-bias limits of pairwise preference batches."""

    min_agreement: float | None = None
    min_gold_agreement: float | None = None
    max_position_bias: float | None = None
    max_flagged_worker_share: float | None = None


@dataclass(frozen=True, slots=True)
class RatingsClauses:
    """``[ratings]``: the rubric's scales and the limits of rating batches."""

    scales: tuple[tuple[str, float, float], ...] | None = None
    min_agreement: float | None = None
    agreement_level: RatingLevel = "ordinal"
    max_rater_offset: float | None = None
    max_straight_lining: float | None = None
    max_flagged_worker_share: float | None = None

    @property
    def scale_map(self) -> dict[str, tuple[float, float]] | None:
        """``scales`` as criterion -> (min, max), or None when the contract declares none."""
        return None if self.scales is None else {name: (lo, hi) for name, lo, hi in self.scales}


@dataclass(frozen=True, slots=True)
class DemonstrationsClauses:
    """``[demonstrations]``: duplicate, LLM-use and quality limits of written answers, and signal thresholds."""

    max_near_duplicate_rate: float | None = None
    max_llm_suspect_share: float | None = None
    max_low_quality_share: float | None = None
    duplicate_threshold: float = 0.8
    typing_cps: float = 8.0
    min_signals: int = 2
    min_words: int = 10


REFINEMENT_SECTIONS: dict[str, type[object]] = {
    "preferences": PreferencesClauses,
    "ratings": RatingsClauses,
    "demonstrations": DemonstrationsClauses,
}
