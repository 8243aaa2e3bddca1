"""Acceptance sampling of a delivered batch: how many tasks to re-check, which ones, and the decision.

A single sampling plan of ISO 2859-1 (normal inspection) says: check ``n`` tasks drawn at random from
the lot of ``N``; accept the lot if at most ``Ac`` of them are wrong, reject it from ``Re`` on. Its
operating-characteristic (OC) curve, the probability of accepting a lot with defect rate p, is what
makes the AQL a promise; it holds only for a random sample, which is what :func:`draw_sample` keeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt
from scipy import stats

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.iso2859 import InspectionLevel, code_letter, master_plan, standard_aql
from labelpact.core.keyed import KeyArray, mix
from labelpact.errors import InvalidInputError

__all__ = [
    "Decision",
    "OCModel",
    "SamplingPlan",
    "acceptance_probability",
    "decide",
    "draw_sample",
    "inspection_sample",
    "limiting_quality",
    "low_confidence_tasks",
    "sampling_plan",
]

Decision: TypeAlias = Literal["accept", "reject"]
OCModel: TypeAlias = Literal["binomial", "hypergeometric", "poisson"]


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """An ISO 2859-1 single sampling plan for one lot (batch) of ``lot_size`` tasks.

    ``code_letter`` comes from the lot size and inspection level (Table 1); ``plan_letter`` is the row of
    Table 2-A whose plan is used after following its arrows. When the table's sample size reaches the lot
    size, every task is inspected (``sample_size == lot_size``) with the same Ac and Re.
    """

    lot_size: int
    code_letter: str
    sample_size: int
    accept_number: int
    reject_number: int
    aql: float
    inspection_level: str
    plan_letter: str

    @property
    def full_inspection(self) -> bool:
        """True when the plan inspects every task of the lot."""
        return self.sample_size == self.lot_size

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON (what an audit stores); ``plan_letter`` is left out: the table derives it."""
        return {
            "lot_size": self.lot_size,
            "sample_size": self.sample_size,
            "accept_number": self.accept_number,
            "reject_number": self.reject_number,
            "aql": self.aql,
            "inspection_level": self.inspection_level,
            "code_letter": self.code_letter,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SamplingPlan:
        """The plan :meth:`to_dict` wrote (other keys, such as an audit's ``seed``, are ignored).

        The sizes and numbers are taken as stored, never recomputed: a stored plan is what was promised.
        """
        try:
            letter = str(data.get("code_letter", "?"))
            aql = float(data.get("aql", 0.0))
            plan = cls(
                lot_size=int(data["lot_size"]),
                code_letter=letter,
                sample_size=int(data["sample_size"]),
                accept_number=int(data["accept_number"]),
                reject_number=int(data["reject_number"]),
                aql=aql,
                inspection_level=str(data.get("inspection_level", "II")),
                plan_letter=letter,
            )
        except KeyError as missing:
            raise InvalidInputError(
                "a sampling plan with lot_size, sample_size, accept_number and reject_number",
                column=f"sampling_plan.{missing.args[0]}",
                got="no such key",
                column_kind="field",
            ) from None
        except (TypeError, ValueError) as error:
            raise InvalidInputError(
                "a sampling plan of numbers", column="sampling_plan", got=str(error)
            ) from None
        try:
            used = master_plan(letter, aql)[0]
        except InvalidInputError:  # a plan stored without its table coordinates: its own letter
            return plan
        return dataclasses.replace(plan, plan_letter=used)


def sampling_plan(
    lot_size: int, *, aql: float, inspection_level: InspectionLevel | str = "II"
) -> SamplingPlan:
    """The normal-inspection single sampling plan of ISO 2859-1 for a lot of ``lot_size`` tasks.

    ``aql`` is a Table 2-A column in percent (0.010 ... 10 percent defective; up to 1000 for
    nonconformities per 100 units); ``inspection_level`` one of S-1 ... S-4, I, II, III.
    """
    if isinstance(lot_size, bool) or not isinstance(lot_size, int | np.integer):
        raise InvalidInputError("an integer lot size", got=repr(lot_size))
    letter = code_letter(int(lot_size), inspection_level)
    used, size, accept, reject = master_plan(letter, aql)
    return SamplingPlan(
        lot_size=int(lot_size),
        code_letter=letter,
        sample_size=min(size, int(lot_size)),
        accept_number=accept,
        reject_number=reject,
        aql=standard_aql(aql),
        inspection_level=inspection_level,
        plan_letter=used,
    )


def decide(plan: SamplingPlan, n_defective: int) -> Decision:
    """Accept the lot when at most ``accept_number`` sampled tasks are defective, reject from ``reject_number``."""
    if not 0 <= n_defective <= plan.sample_size:
        raise InvalidInputError(f"a defect count in [0, {plan.sample_size}]", got=repr(n_defective))
    return "accept" if n_defective <= plan.accept_number else "reject"


@overload
def acceptance_probability(plan: SamplingPlan, defect_rate: float, *, model: OCModel = ...) -> float: ...
@overload
def acceptance_probability(
    plan: SamplingPlan, defect_rate: npt.ArrayLike, *, model: OCModel = ...
) -> FloatArray: ...
def acceptance_probability(
    plan: SamplingPlan, defect_rate: float | npt.ArrayLike, *, model: OCModel = "binomial"
) -> float | FloatArray:
    """The OC curve: probability that the plan accepts a lot whose share of defective tasks is ``defect_rate``.

    ``binomial`` treats the lot as a process (ISO 2859-1's type B curves); ``hypergeometric`` draws
    without replacement from this lot, with round(defect_rate * lot_size) defective tasks (type A);
    ``poisson`` is the curve for nonconformities per unit (``defect_rate`` per task).
    """
    rate = np.asarray(defect_rate, dtype=np.float64)
    if model != "poisson" and (not np.all(np.isfinite(rate)) or np.any((rate < 0) | (rate > 1))):
        raise InvalidInputError("defect rates in [0, 1]", got=f"{defect_rate!r}")
    n, ac = plan.sample_size, plan.accept_number
    if model == "binomial":
        prob = stats.binom.cdf(ac, n, rate)
    elif model == "hypergeometric":
        defective = np.rint(rate * plan.lot_size).astype(np.int64)
        prob = stats.hypergeom.cdf(ac, plan.lot_size, defective, n)
    elif model == "poisson":
        if np.any(rate < 0) or not np.all(np.isfinite(rate)):
            raise InvalidInputError("nonnegative defect rates", got=f"{defect_rate!r}")
        prob = stats.poisson.cdf(ac, n * rate)
    else:
        raise InvalidInputError("model in ['binomial', 'hypergeometric', 'poisson']", got=repr(model))
    result = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    return float(result) if result.ndim == 0 else result


def limiting_quality(plan: SamplingPlan, consumer_risk: float = 0.10) -> float:
    """The defect rate the plan accepts with probability ``consumer_risk`` (its limiting quality, LQ10 by
    default, on the binomial OC curve): P(X <= Ac | n, p) = risk solved for p through the beta quantile."""
    if not 0.0 < consumer_risk < 1.0:
        raise InvalidInputError(
            "a consumer's risk in (0, 1)", column="consumer_risk", got=repr(consumer_risk)
        )
    n, ac = plan.sample_size, plan.accept_number
    if ac >= n:
        return 1.0
    return float(stats.beta.ppf(1.0 - consumer_risk, ac + 1, n - ac))


def _check_confidence(confidence: npt.ArrayLike, n_tasks: int) -> FloatArray:
    conf = np.asarray(confidence, dtype=np.float64)
    if conf.shape != (n_tasks,) or not np.all(np.isfinite(conf)):
        raise InvalidInputError(f"one finite confidence per task ({n_tasks})", got=f"shape {conf.shape}")
    return conf


def draw_sample(
    n_tasks: int,
    plan: SamplingPlan,
    *,
    confidence: npt.ArrayLike | None = None,
    stratify: bool = False,
    n_strata: int = 4,
    random_state: int = 0,
    keys: KeyArray | None = None,
) -> IntArray:
    """The plan's sample: ``plan.sample_size`` distinct task indices in [0, n_tasks), sorted; seeded.

    The draw takes the tasks with the smallest ``keys`` (within each stratum; ties of confidence broken by
    another hash of the key). Given the tasks' name keys (``core.keyed``) it is the same whatever the order of
    the delivery's rows; without them the keys are drawn from ``random_state``.

    The OC curve, hence the AQL promise, assumes a simple random sample, so every task must have the same
    chance n/N of being drawn. With ``stratify`` and ``confidence`` (n_tasks,) we draw a stratified random
    sample with proportional allocation over ``n_strata`` equal-size strata of consensus confidence: every
    task keeps inclusion probability n/N (up to rounding of the quotas), so the defect count stays unbiased
    and, when defects concentrate in some strata, varies less than under simple random sampling (a steeper,
    not a shifted, OC curve); the low-confidence stratum is always covered in proportion instead of by luck. Over-sampling low-confidence tasks would bias the count toward rejection, so tasks we want a
    person to see beyond that go in a separate review set (:func:`low_confidence_tasks`) outside Ac/Re.
    """
    if n_tasks != plan.lot_size:
        raise InvalidInputError(
            f"a lot of {plan.lot_size} tasks, as the plan was made for", got=f"{n_tasks} tasks"
        )
    n = plan.sample_size
    if plan.full_inspection:
        return np.arange(n_tasks, dtype=np.intp)
    if keys is None:
        keys = (
            np.random.default_rng(random_state)
            .integers(0, 1 << 63, n_tasks, dtype=np.int64)
            .astype(np.uint64)
        )
    if len(keys) != n_tasks:
        raise InvalidInputError(f"one key per task ({n_tasks})", got=f"{len(keys)} keys")
    if not stratify:
        return np.sort(np.argsort(keys, kind="stable")[:n]).astype(np.intp)
    if confidence is None:
        raise InvalidInputError("a confidence per task when stratify=True")
    if n_strata < 1:
        raise InvalidInputError("n_strata >= 1", got=repr(n_strata))
    conf = _check_confidence(confidence, n_tasks)
    # ties of confidence go by a second hash of the keys: were they broken by the keys that then choose
    # within a stratum, tied tasks with small keys would crowd a stratum's draw and skew inclusion
    by_confidence = np.lexsort((mix(keys), conf))
    strata = np.array_split(by_confidence, min(n_strata, n_tasks))
    sizes = np.array([len(s) for s in strata])
    quota = n * sizes / n_tasks
    alloc = np.floor(quota).astype(np.intp)
    leftover = n - int(alloc.sum())
    alloc[np.argsort(-(quota - alloc), kind="stable")[:leftover]] += (
        1  # largest remainders, lowest stratum first
    )
    chosen = [
        members[np.argsort(keys[members], kind="stable")[: int(k)]]
        for members, k in zip(strata, alloc, strict=True)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.intp)


def low_confidence_tasks(
    confidence: npt.ArrayLike, n: int, *, exclude: npt.ArrayLike | None = None, keys: KeyArray | None = None
) -> IntArray:
    """The ``n`` tasks of lowest consensus confidence (lowest first), skipping ``exclude``: an extra review set.
    Ties of confidence go by ``keys`` (n_tasks,) when given, else by task index.

    Its findings are reported on their own and never counted toward the plan's Ac/Re (they are not random).
    """
    conf = np.asarray(confidence, dtype=np.float64)
    if conf.ndim != 1:
        raise InvalidInputError("one confidence per task, as a 1-D array", got=f"shape {conf.shape}")
    conf = _check_confidence(conf, len(conf))
    if n < 0:
        raise InvalidInputError("n >= 0", got=repr(n))
    keep = np.ones(len(conf), dtype=bool)
    if exclude is not None:
        skip = np.asarray(exclude, dtype=np.intp)
        if len(skip) and (skip.min() < 0 or skip.max() >= len(conf)):
            raise InvalidInputError(f"task indices in [0, {len(conf)})", got="an index out of range")
        keep[skip] = False
    candidates = np.flatnonzero(keep)
    ties = candidates if keys is None else keys[candidates]
    return candidates[np.lexsort((ties, conf[candidates]))[:n]].astype(np.intp)


def inspection_sample(
    confidence: FloatArray,
    labelled: IntArray,
    plan: SamplingPlan,
    *,
    weak: float,
    random_state: int = 0,
    keys: KeyArray | None = None,
) -> tuple[IntArray, IntArray]:
    """An audit's review set among the ``labelled`` task codes (sorted): the plan's random sample, stratified
    by ``confidence`` (n_tasks,), and the tasks outside it whose confidence is below ``weak``, lowest first
    and at most the sample size (reported apart, never counted toward Ac/Re). Both are task codes. With
    ``keys`` (n_tasks,), the tasks' name keys, both follow task names, not codes (``draw_sample``)."""
    if not len(labelled):
        nothing = np.empty(0, dtype=np.intp)
        return nothing, nothing
    conf = confidence[labelled]
    own = None if keys is None else keys[labelled]
    drawn = labelled[
        draw_sample(len(labelled), plan, confidence=conf, stratify=True, random_state=random_state, keys=own)
    ]
    extra = labelled[
        low_confidence_tasks(
            conf, min(plan.sample_size, len(labelled)), exclude=np.searchsorted(labelled, drawn), keys=own
        )
    ]
    return drawn, extra[confidence[extra] < weak]
