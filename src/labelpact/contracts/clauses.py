"""The clause table of a contract (``CLAUSES``) and its typed sections, one frozen dataclass per TOML table.

``CLAUSES`` is the one place a key is named, typed, range-checked, defaulted and documented: the parser,
``docs/contract.md`` and the tests read it. The section dataclasses give code typed access
(``contract.quality.max_error_rate``, a misspelt name is a mypy error); :func:`check_sections` proves at
import that they hold exactly the table's keys, in its order, with its defaults and kinds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal, get_type_hints

from labelpact.contracts.clause import Clause
from labelpact.contracts.refinement_clauses import REFINEMENT_CLAUSES, REFINEMENT_SECTIONS
from labelpact.core.iso2859 import PERCENT_AQLS, InspectionLevel
from labelpact.core.method_names import ACCEPTED_METHODS, ALIASES

__all__ = [
    "CLAUSES",
    "ETHICS_BLOCKERS",
    "INSPECTION_LEVELS",
    "SECTIONS",
    "AcceptanceClauses",
    "AllocationClauses",
    "Clause",
    "DataClauses",
    "DeliveryClauses",
    "ErrorEvidence",
    "EthicsClauses",
    "LabelsClauses",
    "PayClauses",
    "PersonalDataPolicy",
    "QualityClauses",
    "check_sections",
    "clauses_markdown",
]

PersonalDataPolicy = Literal["reject", "review", "allow"]
ErrorEvidence = Literal["gold-or-sample", "model"]
INSPECTION_LEVELS = ("I", "II", "III", "S-1", "S-2", "S-3", "S-4")  # as contract errors list them
ETHICS_BLOCKERS = (
    "pii",
    "unknown_license",
    "disallowed_license",
    "missing_license",
    "pay_below_floor",
    "bias",
)


CLAUSES: tuple[Clause, ...] = (
    Clause("labels", "classes", "str_list", None, "the allowed classes; inferred from the data when absent"),
    Clause("labels", "ordered", "bool", False, "classes form a scale (ordinal agreement, ordered confusion)"),
    Clause("quality", "method", "str", "auto", "truth-inference method", choices=ACCEPTED_METHODS),
    Clause("quality", "min_gold_accuracy", "float", None, "minimum accuracy on gold tasks", 0.0, 1.0),
    Clause("quality", "min_agreement", "float", None, "minimum Krippendorff's alpha", -1.0, 1.0),
    Clause(
        "quality", "max_error_rate", "float", None, "maximum estimated error rate of the consensus", 0.0, 1.0
    ),
    Clause(
        "quality",
        "error_evidence",
        "str",
        "gold-or-sample",
        "what an error-rate estimate must rest on to meet max_error_rate and the AQL "
        "(model: the consensus model alone may)",
        choices=("gold-or-sample", "model"),
    ),
    Clause(
        "quality", "max_flagged_worker_share", "float", None, "maximum share of workers flagged", 0.0, 1.0
    ),
    Clause(
        "acceptance",
        "aql",
        "float",
        1.0,
        "acceptable quality level, percent defective (ISO 2859-1)",
        0.01,
        10.0,
    ),
    Clause(
        "acceptance",
        "inspection_level",
        "str",
        "II",
        "ISO 2859-1 inspection level",
        choices=INSPECTION_LEVELS,
    ),
    Clause("delivery", "turnaround_days", "float", None, "days from hand-over to due delivery", 0.0, 3650.0),
    Clause("pay", "price_per_label", "float", None, "price the client pays per label", 0.0, 1e6),
    Clause("pay", "currency", "str", "USD", "ISO 4217 currency of prices and pay"),
    Clause(
        "pay", "pay_floor_per_hour", "float", None, "minimum effective hourly pay of annotators", 0.0, 1e6
    ),
    Clause(
        "pay",
        "annotator_share",
        "float",
        1.0,
        "share of the price per label that reaches the annotator",
        0.0,
        1.0,
    ),
    Clause(
        "data",
        "allowed_licenses",
        "str_list",
        None,
        "SPDX ids of licences data may carry (a task's licence may be an SPDX expression; see below)",
    ),
    Clause(
        "data",
        "personal_data",
        "str",
        "reject",
        "what personal data in payloads does",
        choices=("reject", "review", "allow"),
    ),
    Clause(
        "ethics",
        "block_on",
        "str_list",
        ("pii", "disallowed_license"),
        "ethics findings that block acceptance",
        choices=ETHICS_BLOCKERS,
    ),
    *REFINEMENT_CLAUSES,
    Clause(
        "allocation",
        "max_share",
        "float",
        None,
        "largest share of a project's work one partner may get",
        0.0,
        1.0,
    ),
)


@dataclass(frozen=True, slots=True)
class LabelsClauses:
    """``[labels]``: the classes and whether they form a scale."""

    classes: tuple[str, ...] | None = None
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class QualityClauses:
    """``[quality]``: the truth-inference method and the quality limits a batch must meet."""

    method: str = "auto"
    min_gold_accuracy: float | None = None
    min_agreement: float | None = None
    max_error_rate: float | None = None
    error_evidence: ErrorEvidence = "gold-or-sample"
    max_flagged_worker_share: float | None = None


@dataclass(frozen=True, slots=True)
class AcceptanceClauses:
    """``[acceptance]``: the ISO 2859-1 sampling plan's AQL (percent defective) and inspection level."""

    aql: float = 1.0
    inspection_level: InspectionLevel = "II"


@dataclass(frozen=True, slots=True)
class DeliveryClauses:
    """``[delivery]``: when a batch is due."""

    turnaround_days: float | None = None


@dataclass(frozen=True, slots=True)
class PayClauses:
    """``[pay]``: what the client pays per label and what must reach the annotators."""

    price_per_label: float | None = None
    currency: str = "USD"
    pay_floor_per_hour: float | None = None
    annotator_share: float = 1.0


@dataclass(frozen=True, slots=True)
class DataClauses:
    """``[data]``: the licences data may carry and what personal data in payloads does."""

    allowed_licenses: tuple[str, ...] | None = None
    personal_data: PersonalDataPolicy = "reject"


@dataclass(frozen=True, slots=True)
class EthicsClauses:
    """``[ethics]``: the ethics findings that block acceptance."""

    block_on: tuple[str, ...] = ("pii", "disallowed_license")


@dataclass(frozen=True, slots=True)
class AllocationClauses:
    """``[allocation]``: the largest share of a project's work one partner may get."""

    max_share: float | None = None


SECTIONS: dict[str, type[Any]] = {
    "labels": LabelsClauses,
    "quality": QualityClauses,
    "acceptance": AcceptanceClauses,
    "delivery": DeliveryClauses,
    "pay": PayClauses,
    "data": DataClauses,
    "ethics": EthicsClauses,
    **REFINEMENT_SECTIONS,
    "allocation": AllocationClauses,
}

# the Python types a clause kind may be declared as in its section (None added when the default is None)
_KIND_TYPES: dict[str, tuple[Any, ...]] = {
    "float": (float,),
    "int": (int,),
    "bool": (bool,),
    "str": (str,),
    "str_list": (tuple[str, ...],),
    "scales": (tuple[tuple[str, float, float], ...],),
}


def check_sections() -> None:
    """Raise ``TypeError`` unless the section dataclasses hold exactly ``CLAUSES``: same sections and keys in
    the same order, same defaults, and a declared type that fits the clause kind (a ``Literal`` of exactly
    its choices for a ``str`` clause with choices, unless they are the method registry's)."""
    table = [(c.section, c.key) for c in CLAUSES]
    declared = [(s, f.name) for s, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
    if table != declared:
        raise TypeError(f"contract sections {declared} differ from the clause table {table}")
    by_name = {c.name: c for c in CLAUSES}
    for section, cls in SECTIONS.items():
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            clause = by_name[f"{section}.{f.name}"]
            if f.default != clause.default:
                raise TypeError(f"{clause.name}: default {f.default!r}, the table says {clause.default!r}")
            allowed = _allowed_types(clause)
            if hints[f.name] not in allowed:
                raise TypeError(f"{clause.name}: declared {hints[f.name]}, the table's kind needs {allowed}")


def _allowed_types(clause: Clause) -> list[Any]:
    base: list[Any] = list(_KIND_TYPES[clause.kind])
    if clause.kind == "str" and clause.choices is not None and clause.choices != ACCEPTED_METHODS:
        base = [Literal[clause.choices]]  # a closed set of words is a Literal of exactly those words
    return base + [t | None for t in base] if clause.default is None else base


_KIND_WORDS = {
    "float": "number",
    "int": "integer",
    "str": "string",
    "bool": "true or false",
    "str_list": "list of strings",
    "scales": "table of `name = [min, max]`",
}


def clauses_markdown() -> str:
    """The contract keys as Markdown, one table per section, generated from ``CLAUSES`` (``docs/contract.md``)."""
    lines: list[str] = []
    for section in SECTIONS:
        lines += [
            "",
            f"### `[{section}]`",
            "",
            "| key | type | default | allowed | meaning |",
            "|---|---|---|---|---|",
        ]
        for c in (c for c in CLAUSES if c.section == section):
            default = "(none)" if c.default is None else _toml(c.default)
            row = (f"`{c.name}`", _KIND_WORDS[c.kind], default, _allowed(c), c.doc.replace("|", "\\|"))
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines[1:]) + "\n"


def _allowed(c: Clause) -> str:
    if c.name == "acceptance.aql":
        return "a percent-nonconforming column of ISO 2859-1 Table 2-A: " + ", ".join(
            f"{a:g}" for a in PERCENT_AQLS
        )
    if c.choices is not None:
        words = [f"`{w}`" + (f" (= `{ALIASES[w]}`)" if w in ALIASES else "") for w in c.choices]
        return ("any of " if c.kind == "str_list" else "") + ", ".join(words)
    if c.low is not None and c.high is not None:
        return f"{c.low:,.10g} to {c.high:,.10g}"
    if c.kind == "bool":
        return "`true`, `false`"
    if c.kind == "scales":
        return "numbers, min < max"
    return "at least two, no repeats" if c.name == "labels.classes" else "any non-blank"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    return f"`{value:g}`"


check_sections()
