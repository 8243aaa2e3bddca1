"""The case library: real, dated vendor partnerships that ended or continued, and the risk model fitted on them.

Each case (``partners/data/cases/*.json``) is one client-partner relationship from public sources: its start, its
end (the day it ended, or the last day a source shows it running), how it ended (``client_exit``,
``vendor_exit``, ``buyout`` or ``continuing``) and the partner's ledger events, each dated by when it became
public, strictly before the end, with its source URL. The JSON keys are those of ``events import``, so a case
file imports as it is (``labelpact events import CASE.json``)::

    {"id": "meta-sama", "client": "Meta", "partner": "Sama", "rivals": [], "sector": "content_moderation",
     "start": "2019-01-01", "end": "2023-01-10", "outcome": "vendor_exit", "summary": "...",
     "source_url": "https://...", "events": [{"partner": "Sama", "kind": "worker_welfare", ...}]}

``fit_cases`` fits the discrete-time hazard on the library's relationship-months by penalised likelihood
with the sourced priors as the prior (``fit.fit_risk``): shrinkage toward the research, not
replacement. The library is chosen for being documented, so breakups are over-represented: as in a
case-control study, the effects are estimable but the base rate is not (Prentice & Pyke, *Biometrika*
1979), so the intercepts are fitted with a wide prior and the forecast's are the sourced ones moved by
one constant that keeps the sourced five-year base rate under the fitted effects (``anchor_intercepts``).
Months are counted back from the day before the end, so the last month sees every fact published before
the end, however late. How long news is remembered is chosen on the library by profile likelihood
(``profile``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.resources
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
from scipy.optimize import brentq

from labelpact.errors import InvalidInputError
from labelpact.partners.events import Event, parse_event_rows
from labelpact.partners.risk.fit import FittedRisk, RiskHistory, fit_risk
from labelpact.partners.risk.forecast import forecast
from labelpact.partners.risk.priors import CAUSES, SIGNALS, RiskPriors, load_priors
from labelpact.partners.risk.signals import EventInput, RiskInputs, signal_matrix

__all__ = [
    "FITTED_FILE",
    "OUTCOMES",
    "Case",
    "CaseEffect",
    "CaseFit",
    "anchor_intercepts",
    "case_history",
    "fit_cases",
    "library_priors",
    "load_cases",
    "parse_case",
]

OUTCOMES: Final = (*CAUSES, "continuing")
_INTERCEPT_SD: Final = 3.0  # the library's base rate says nothing about the world's (case-control sampling)
_Z90: Final = 1.6448536269514722
_FIVE_YEARS: Final = 1826  # days: the horizon of the sourced base rate
_KEYS: Final = ("id", "client", "partner", "start", "end", "outcome", "events")


@dataclass(frozen=True, slots=True)
class Case:
    """One documented relationship: ``end`` is the day it ended (or the last day seen running), ``events``
    the partner's facts published before it, ``sides`` (one per event) ``partner`` or ``client``."""

    id: str
    client: str
    partner: str
    start: dt.date
    end: dt.date
    outcome: str
    events: tuple[Event, ...]
    sides: tuple[Literal["partner", "client"], ...]
    rivals: tuple[str, ...] = ()
    sector: str = ""
    summary: str = ""
    source_url: str = ""
    equity_stake: float = 0.0
    min_spend: float = 0.0
    partner_headcount: int | None = None

    @property
    def broke(self) -> bool:
        return self.outcome != "continuing"

    def inputs(self, as_of: dt.date | None = None) -> RiskInputs:
        """The forecast's inputs as of ``as_of`` (default: the day before the end); later facts are invisible."""
        day = as_of or self.end - dt.timedelta(days=1)
        events = tuple(
            dataclasses.replace(EventInput.from_event(e, client=self.client, rivals=self.rivals), side=side)
            for e, side in zip(self.events, self.sides, strict=True)
            if e.date <= day
        )
        return RiskInputs(
            as_of=day,
            start=min(self.start, day),
            equity_stake=self.equity_stake,
            min_spend=self.min_spend,
            events=events,
            partner_headcount=self.partner_headcount,
        )


@dataclass(frozen=True, slots=True)
class CaseEffect:
    """A fitted effect: prior and estimate (log-odds per unit per month), its 90% interval, and how many
    cases (and breakups among them) carry its signal: 0 means the prior alone speaks."""

    name: str
    prior: float
    prior_sd: float
    estimate: float
    se: float
    interval: tuple[float, float]
    n_cases: int
    n_breakups: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"interval": list(self.interval)}


@dataclass(frozen=True, slots=True)
class CaseFit:
    """The model fitted on ``cases``: ``fitted`` as ``fit_risk`` returns it (library intercepts), ``priors``
    the ones to forecast with (fitted effects, sourced intercepts), ``effects`` the table to report."""

    fitted: FittedRisk
    priors: RiskPriors
    effects: tuple[CaseEffect, ...]
    n_cases: int
    n_breakups: int

    def to_dict(self) -> dict[str, Any]:
        """JSON for ``labelpact risk fit CASES --json``."""
        return self.fitted.to_dict() | {
            "n_cases": self.n_cases,
            "n_breakups": self.n_breakups,
            "effects": [e.to_dict() for e in self.effects],
        }


def parse_case(doc: object, *, source: str = "case") -> Case:
    """A ``Case`` from one decoded case document; errors name ``source`` and the field at fault."""
    if not isinstance(doc, Mapping):
        raise InvalidInputError(
            "a JSON object with id, client, partner, start, end, outcome, events", file=source
        )
    for key in _KEYS:
        if key not in doc:
            raise InvalidInputError(f"a field {key!r}", file=source, got=", ".join(map(str, doc)))
    outcome = doc["outcome"]
    if outcome not in OUTCOMES:
        raise InvalidInputError(f"an outcome in {OUTCOMES}", file=source, column="outcome", got=repr(outcome))
    start, end = _day(doc["start"], source, "start"), _day(doc["end"], source, "end")
    if start >= end:
        raise InvalidInputError(f"a start before the end {end}", file=source, column="start", got=str(start))
    raw = doc["events"]
    if not isinstance(raw, list) or not all(isinstance(e, Mapping) for e in raw):
        raise InvalidInputError("a list of event objects", file=source, column="events")
    rows = [
        (i + 1, {k: v for k, v in e.items() if k not in ("side", "date_precision")})
        for i, e in enumerate(raw)
    ]
    events = parse_event_rows(rows, f"{source} events")
    sides: list[Literal["partner", "client"]] = []
    for i, (e, r) in enumerate(zip(events, raw, strict=True), start=1):
        where = f"{source} events"
        if e.date >= end:
            raise InvalidInputError(
                f"an event dated before the end {end}", file=where, row=i, column="date", got=str(e.date)
            )
        if not e.source_url:
            raise InvalidInputError("a source URL for every event", file=where, row=i, column="source_url")
        side = r.get("side", "partner")
        if side not in ("partner", "client"):
            raise InvalidInputError(
                "side 'partner' or 'client'", file=where, row=i, column="side", got=repr(side)
            )
        sides.append("client" if side == "client" else "partner")
    rivals = doc.get("rivals") or []
    if not isinstance(rivals, list) or not all(isinstance(r, str) for r in rivals):
        raise InvalidInputError("a list of rival names", file=source, column="rivals")
    headcount = doc.get("partner_headcount")
    return Case(
        id=str(doc["id"]),
        client=str(doc["client"]),
        partner=str(doc["partner"]),
        start=start,
        end=end,
        outcome=str(outcome),
        events=tuple(events),
        sides=tuple(sides),
        rivals=tuple(rivals),
        sector=str(doc.get("sector") or ""),
        summary=str(doc.get("summary") or ""),
        source_url=str(doc.get("source_url") or ""),
        equity_stake=float(doc.get("equity_stake") or 0.0),
        min_spend=float(doc.get("min_spend") or 0.0),
        partner_headcount=None if headcount is None else int(headcount),
    )


def load_cases(path: str | Path | None = None) -> tuple[Case, ...]:
    """The cases of a directory of ``*.json`` files, one file, or the packaged library (None), by id."""
    if path is None:
        folder = importlib.resources.files("labelpact.partners").joinpath("data/cases")
        texts = [
            (f"cases/{f.name}", f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".json")
        ]
    else:
        target = Path(path)
        files = sorted(target.glob("*.json")) if target.is_dir() else [target]
        if not files or not all(f.is_file() for f in files):
            raise InvalidInputError(
                "a case file or a folder of *.json case files", file=target, got="none found"
            )
        texts = [(str(f), f.read_text(encoding="utf-8")) for f in files]
    cases = []
    for name, text in texts:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidInputError("well-formed JSON", file=name, row=error.lineno, got=error.msg) from None
        cases.append(parse_case(doc, source=name))
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("unique case ids", got=next(i for i in ids if ids.count(i) > 1))
    return tuple(sorted(cases, key=lambda c: c.id))


def case_history(cases: Sequence[Case], *, priors: RiskPriors | None = None) -> RiskHistory:
    """Relationship-months of ``cases`` (n_rows, n_signals), counted back from the day before each end.

    A breakup's last month starts the day before it and ends with it; a continuing case's last month ends
    on the day it was last seen running. Each month sees only facts published by its first day.
    """
    p = priors or load_priors()
    blocks, outcomes, codes = [], [], []
    for code, case in enumerate(cases):
        last = case.end.toordinal() - (1.0 if case.broke else p.month_days)
        n = max(1, int((last - case.start.toordinal()) // p.month_days) + 1)
        starts = last - np.arange(n - 1, -1, -1, dtype=np.float64) * p.month_days
        blocks.append(signal_matrix(case.inputs(case.end - dt.timedelta(days=1)), starts, starts, priors=p))
        outcome = np.full(n, -1, dtype=np.int64)
        if case.broke:
            outcome[-1] = CAUSES.index(case.outcome)
        outcomes.append(outcome)
        codes.append(np.full(n, code, dtype=np.int64))
    if not blocks:
        raise InvalidInputError("at least one case", column="cases")
    return RiskHistory(
        np.concatenate(blocks), np.concatenate(outcomes), np.concatenate(codes), tuple(c.id for c in cases)
    )


def fit_cases(
    cases: Sequence[Case],
    *,
    priors: RiskPriors | None = None,
    penalty: float = 1.0,
    anchor: bool = True,
    base: RiskPriors | None = None,
) -> CaseFit:
    """Effects fitted on ``cases`` with the sourced priors as the prior; see the module docstring.
    The forecast's intercepts keep the five-year base rate of ``base`` (default ``priors``;
    ``anchor_intercepts``); ``anchor=False`` leaves them at the sourced values, for profiles."""
    sourced = priors or load_priors()
    wide = sourced.with_values(
        sourced.values, [_INTERCEPT_SD if e.signal == "intercept" else e.sd for e in sourced.effects]
    )
    history = case_history(cases, priors=sourced)
    fitted = fit_risk(history, priors=wide, penalty=penalty)
    theta = np.array([e.estimate for e in fitted.effects])
    se = np.array([e.se for e in fitted.effects])
    is_base = np.array([e.signal == "intercept" for e in sourced.effects])
    shipped = sourced.with_values(
        np.where(is_base, sourced.values, theta), np.where(is_base, sourced.sds, se)
    )
    if anchor:
        shipped = anchor_intercepts(shipped, base or sourced)
    carries = np.zeros((len(cases), len(SIGNALS)), dtype=bool)
    np.logical_or.at(carries, history.relationship, history.signals != 0)
    broke = np.array([c.broke for c in cases])
    effects = []
    for e, f in zip(sourced.effects, fitted.effects, strict=True):
        col = SIGNALS.index(e.signal)
        lo, hi = f.estimate - _Z90 * f.se, f.estimate + _Z90 * f.se
        lo, hi = (max(lo, 0.0), hi) if e.sign == "+" else (lo, min(hi, 0.0)) if e.sign == "-" else (lo, hi)
        effects.append(
            CaseEffect(
                name=e.name,
                prior=e.value,
                prior_sd=e.sd,
                estimate=f.estimate,
                se=f.se,
                interval=(lo, hi),
                n_cases=int(carries[:, col].sum()),
                n_breakups=int((carries[:, col] & broke).sum()),
            )
        )
    return CaseFit(fitted, shipped, tuple(effects), len(cases), int(broke.sum()))


def anchor_intercepts(model: RiskPriors, reference: RiskPriors) -> RiskPriors:
    """``model`` with its intercepts moved by one constant so that a new relationship with no known
    signals (events arriving at ``arrivals_per_year``) breaks down within five years as often as under
    ``reference``: the sourced base rate (25%, Lunnan & Haugland [R20]), which the library cannot
    estimate (case-control sampling), kept under the fitted effects and half-lives."""
    quiet = RiskInputs(as_of=dt.date(2000, 1, 1), start=dt.date(2000, 1, 1))
    is_base = np.array([e.signal == "intercept" for e in model.effects], dtype=np.float64)

    def moved(shift: float) -> RiskPriors:
        return model.with_values(model.values + shift * is_base, model.sds)

    def five_years(p: RiskPriors) -> float:
        return forecast(quiet, _FIVE_YEARS, priors=p, n_draws=0, explain=False).probability

    target = five_years(reference)
    shift = brentq(lambda d: five_years(moved(d)) - target, -5.0, 5.0, xtol=1e-6)
    return moved(float(shift))


FITTED_FILE: Final = (
    "data/risk_library_fit.toml"  # library_priors, written by benchmarks/risk_cases.py --write
)


@functools.cache
def library_priors() -> RiskPriors:
    """The forecast's default model: the sourced priors, shaped and refitted on the packaged library
    (``partners/data/risk_library_fit.toml``, kept equal to
    ``profile.shaped_fit(load_cases()).priors`` by a test)."""
    text = importlib.resources.files("labelpact.partners").joinpath(FITTED_FILE).read_text("utf-8")
    return load_priors(text, source=FITTED_FILE)


def _day(value: object, source: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError("a date YYYY-MM-DD", file=source, column=field, got=repr(value)) from None
