"""A user's history of relationship-months, the data the risk model is calibrated on (``fit``).

HISTORY file (CSV, one row per relationship-month, the header on line 1)::

    relationship,month,outcome,quality_excess,late_rate,rival_stake,client_stake,...
    acme-vendorx,2023-01,,0,0.1,0,0
    acme-vendorx,2023-02,client_exit,3.5,0.4,1,0

- ``relationship`` (text) and ``month`` (``YYYY-MM`` or ``YYYY-MM-DD``) are required; each relationship's
  months must be consecutive, without repeats.
- ``outcome`` is blank (still together at the month's end), ``client_exit``, ``vendor_exit``, ``buyout``
  or ``expiry`` (planned end: censored); nothing may follow an outcome.
- ``age_months`` (optional) is the relationship's age at the row; without it, months since its first row.
- Any signal of ``risk.SIGNALS`` but the intercept and age terms may be a column, in the unit the note
  of its effect in ``partners/data/risk_priors.toml`` gives (points above the error limit, a rate, 0/1, a decayed
  event weight as ``risk.signal_matrix`` computes it); an absent column is 0 and its effect keeps its prior.
A history of whole relationships (``RiskInputs`` plus how they ended) goes through ``history_from_cases``,
which builds the same rows with the forecast's own signal code and also measures how often each kind
of event arrives (events per relationship-year), which then replaces the priors' ``arrivals_per_year``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from labelpact.errors import InvalidInputError
from labelpact.partners.risk.priors import CAUSES, SIGNALS, RiskPriors, event_signal, load_priors
from labelpact.partners.risk.signals import RiskInputs, age_terms, signal_matrix

__all__ = ["OUTCOMES", "HistoryCase", "RiskHistory", "history_from_cases", "history_from_rows"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
OUTCOMES: Final = ("", *CAUSES, "expiry")
_AGE_SIGNALS: Final = ("age_log", "age_years")
_MAX_SIGNAL: Final = 1000.0  # points of error, rates, 0/1 flags and decayed event weights stay far below
_MAX_AGE_MONTHS: Final = 1200.0  # a century
_MONTH = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


@dataclass(frozen=True, slots=True)
class RiskHistory:
    """Relationship-months: ``signals`` (n_rows, n_signals) in ``risk.SIGNALS`` order, ``outcome`` (n_rows,)
    the cause index that ended the relationship that month or -1, ``relationship`` (n_rows,) codes."""

    signals: FloatArray
    outcome: IntArray
    relationship: IntArray
    relationships: tuple[str, ...]
    observed: frozenset[str] = frozenset(SIGNALS)  # signals the history carries (others are all 0)
    arrivals_per_year: Mapping[str, float] | None = None  # event rates seen in the ledger, when known

    @property
    def n_rows(self) -> int:
        return int(self.outcome.shape[0])


@dataclass(frozen=True, slots=True)
class HistoryCase:
    """One past relationship: its inputs with ``as_of`` the start of its last observed month, and how
    that month ended (``outcome`` in ``OUTCOMES``; blank if it was still running)."""

    id: str
    inputs: RiskInputs
    outcome: str = ""


def history_from_cases(cases: Sequence[HistoryCase], *, priors: RiskPriors | None = None) -> RiskHistory:
    """Relationship-months of ``cases``: month k of a case starts ``k`` months after its start and sees
    only what was known then, exactly as ``forecast`` builds its months."""
    p = priors or load_priors()
    blocks, outcomes, codes = [], [], []
    counts = dict.fromkeys(p.arrivals_per_year, 0)
    exposure_days = 0.0
    for code, case in enumerate(cases):
        if case.outcome not in OUTCOMES:
            raise InvalidInputError(f"an outcome in {OUTCOMES}", column=f"case {case.id}", got=case.outcome)
        start = case.inputs.start.toordinal()
        n = int((case.inputs.as_of.toordinal() - start) // p.month_days) + 1
        starts = start + np.arange(n, dtype=np.float64) * p.month_days
        blocks.append(signal_matrix(case.inputs, starts, starts, priors=p))
        outcome = np.full(n, -1, dtype=np.int64)
        if case.outcome in CAUSES:
            outcome[-1] = CAUSES.index(case.outcome)
        outcomes.append(outcome)
        codes.append(np.full(n, code, dtype=np.int64))
        exposure_days += n * p.month_days
        for e in case.inputs.events:
            signal = event_signal(e.kind, e.meaning, e.side)
            if signal in counts and case.inputs.start <= e.date <= case.inputs.as_of:
                counts[signal] += 1
    if not blocks:
        raise InvalidInputError("at least one relationship", column="history")
    rates = {s: k * 365.25 / exposure_days for s, k in counts.items()}
    ids = tuple(c.id for c in cases)
    return RiskHistory(
        np.concatenate(blocks), np.concatenate(outcomes), np.concatenate(codes), ids, arrivals_per_year=rates
    )


def history_from_rows(
    rows: Sequence[Mapping[str, str | None]], *, source: str = "history", lines: Sequence[int] | None = None
) -> RiskHistory:
    """A ``RiskHistory`` from HISTORY rows as ``csv.DictReader`` gives them (the header is line 1);
    ``lines`` (one per row) are where errors point, by default the rows follow the header one a line."""
    if not rows:
        raise InvalidInputError("at least one relationship-month row", file=source)
    columns = list(rows[0])
    known = {"relationship", "month", "outcome", "age_months", *SIGNALS} - {"intercept", *_AGE_SIGNALS}
    for name in ("relationship", "month"):
        if name not in columns:
            raise InvalidInputError(f"a column {name!r}", file=source, row=1, got=", ".join(columns))
    for name in columns:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if name not in known and close:
            raise InvalidInputError(
                f"a known column; did you mean {close[0]!r}?", file=source, row=1, column=name
            )
    signals = [s for s in columns if s in known and s in SIGNALS]
    x = np.zeros((len(rows), len(SIGNALS)))
    x[:, SIGNALS.index("intercept")] = 1.0
    outcome = np.full(len(rows), -1, dtype=np.int64)
    rel_names: dict[str, int] = {}
    relationship = np.zeros(len(rows), dtype=np.int64)
    month_index = np.zeros(len(rows), dtype=np.int64)
    ages = np.full(len(rows), np.nan)
    ended: dict[int, int] = {}
    where = list(lines) if lines is not None else list(range(2, len(rows) + 2))
    for i, row in enumerate(rows):
        line = where[i]
        name = (row.get("relationship") or "").strip()
        if not name:
            raise InvalidInputError("a relationship name", file=source, row=line, column="relationship")
        code = relationship[i] = rel_names.setdefault(name, len(rel_names))
        month_index[i] = _month(row.get("month"), source, line)
        if code in ended:
            raise InvalidInputError(
                "no month after the relationship's outcome", file=source, row=line, column="month", got=name
            )
        text = (row.get("outcome") or "").strip()
        if text not in OUTCOMES:
            raise InvalidInputError(
                f"an outcome in {OUTCOMES[1:]} or blank", file=source, row=line, column="outcome", got=text
            )
        if text:
            ended[code] = line
            outcome[i] = CAUSES.index(text) if text in CAUSES else -1
        for s in signals:
            x[i, SIGNALS.index(s)] = _value(row.get(s), source, line, s, _MAX_SIGNAL)
        if "age_months" in columns:
            ages[i] = _value(row.get("age_months"), source, line, "age_months", _MAX_AGE_MONTHS)
    for code in range(len(rel_names)):
        months = month_index[relationship == code]
        if np.any(np.diff(months) != 1):
            line = where[
                int(np.flatnonzero(relationship == code)[np.flatnonzero(np.diff(months) != 1)[0] + 1])
            ]
            raise InvalidInputError(
                "consecutive months, one row each, in order", file=source, row=line, column="month"
            )
    if "age_months" not in columns:
        first = np.full(len(rel_names), np.iinfo(np.int64).max)
        np.minimum.at(first, relationship, month_index)
        ages = (month_index - first[relationship]).astype(np.float64)
    x[:, SIGNALS.index("age_log")], x[:, SIGNALS.index("age_years")] = age_terms(ages)
    observed = frozenset({"intercept", *_AGE_SIGNALS, *signals})
    return RiskHistory(x, outcome, relationship, tuple(rel_names), observed)


def _month(text: str | None, source: str, line: int) -> int:
    match = _MONTH.fullmatch((text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInputError(
            "a month YYYY-MM (or a date YYYY-MM-DD)", file=source, row=line, column="month", got=text
        )
    if match[3]:
        try:
            dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise InvalidInputError("a real date", file=source, row=line, column="month", got=text) from None
    return int(match[1]) * 12 + int(match[2]) - 1


def _value(text: str | None, source: str, line: int, column: str, most: float) -> float:
    """A cell's number, blank for 0: every signal (and the age) is a count, a rate or a weight >= 0, and
    one past ``most`` is a unit mistake that would overflow the fit."""
    raw = (text or "").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= most:  # NaN fails too
        raise InvalidInputError(
            f"a number from 0 to {most:g} (blank for 0)", file=source, row=line, column=column, got=raw[:80]
        )
    return value
