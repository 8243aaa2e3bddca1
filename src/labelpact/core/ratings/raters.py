"""Rater effects on one rubric criterion: severity and leniency, central tendency, straight-lining,
drift, and each task's consensus score, all with intervals.

The additive rater-effects model ``score[t, w] = task_mean[t] + offset[w] + noise`` (a linear
counterpart of the many-facet Rasch model, Linacre 1989; see Wind and Jones 2019 for rater drift) is
fitted by alternating least squares; offsets are then measured from the rating-weighted median rater (the
midpoint of the two middle raters when their ratings split exactly in half).
An offset's standard error uses the information left after profiling the task means:
``sigma^2 / sum_t (1 - 1/m_t)``. A task's consensus interval adds the variance of the offsets it subtracts
(their covariance from the profiled information matrix) to ``sigma^2 / m_t``, with a Student t quantile on
the residual degrees of freedom, and ``sigma`` no smaller than the rounding of the scores' grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.stats import norm
from scipy.stats import t as student

from labelpact.core.annotations import FloatArray, IntArray
from labelpact.core.intervals import check_confidence
from labelpact.core.ratings.ratings import Ratings
from labelpact.errors import warn_convergence

__all__ = ["RaterEffects", "rater_effects", "straight_lining", "straight_lining_counts"]


@dataclass(frozen=True, slots=True)
class RaterEffects:
    """Per worker (n_workers,) and per task (n_tasks,) results of the additive model on one criterion.

    ``offset`` < 0 is a severe rater, > 0 a lenient one (scale units), with ``offset_interval``;
    ``spread_ratio``: the SD of the worker's scores over the SD of their co-raters' scores on the same
    tasks (< 1: central tendency, > 1: extreme ratings), with ``spread_interval`` and ``spread_p`` from
    the Pitman (1939)–Morgan test for paired variances (Fisher z on corr(x - y, x + y), n = the
    worker's ratings); ``modal_share``: share of the worker's scores equal to their most frequent
    score (1 = the same score on everything); ``drift``: the change of the worker's residuals in scale
    units from their first to their last rating (a slope over their span of work, by ``order`` when given,
    else by position), with ``drift_interval``; ``consensus`` per task (mean corrected for offsets) with ``consensus_interval``.
    Intervals are normal-theory at ``confidence`` (the consensus's Student t on the residual degrees of freedom);
    NaN where a worker has too few ratings.
    """

    criterion: str
    n_ratings: IntArray
    offset: FloatArray
    offset_interval: FloatArray
    spread_ratio: FloatArray
    spread_interval: FloatArray
    spread_p: FloatArray
    modal_share: FloatArray
    drift: FloatArray
    drift_interval: FloatArray
    consensus: FloatArray
    consensus_interval: FloatArray
    raters_per_task: IntArray
    residual_sd: float
    workers: tuple[str, ...]
    tasks: tuple[str, ...]


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    top, bottom = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)


def _group_ols(group: IntArray, x: FloatArray, y: FloatArray, n: int) -> tuple[FloatArray, FloatArray]:
    """Per-group least-squares slope of y on x and its standard error; shape (n,)."""
    cnt = np.bincount(group, minlength=n).astype(np.float64)
    mx, my = _ratio(np.bincount(group, x, minlength=n), cnt), _ratio(np.bincount(group, y, minlength=n), cnt)
    dx, dy = x - mx[group], y - my[group]
    sxx = np.bincount(group, dx * dx, minlength=n)
    slope = _ratio(np.bincount(group, dx * dy, minlength=n), sxx)
    resid = dy - np.nan_to_num(slope)[group] * dx
    s2 = _ratio(np.bincount(group, resid * resid, minlength=n), cnt - 2.0)
    return slope, np.sqrt(_ratio(s2, sxx))


def _spread(
    t: IntArray, w: IntArray, y: FloatArray, nw: int, z: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per worker: SD ratio against co-raters, its interval and the Pitman–Morgan p-value; shape (nw,)."""
    order = np.argsort(t, kind="stable")
    ts = t[order]
    max_m = int(np.bincount(t).max()) if len(t) else 0
    first: list[IntArray] = []
    second: list[IntArray] = []
    for shift in range(1, max_m):  # a loop over offsets within a task (raters per task), not rows
        same = ts[:-shift] == ts[shift:]
        i, j = order[:-shift][same], order[shift:][same]
        first += [i, j]
        second += [j, i]
    if not first:
        nan = np.full(nw, np.nan)
        return nan, nan, nan, nan
    i, j = np.concatenate(first), np.concatenate(second)
    keep = w[i] != w[j]
    i, j = i[keep], j[keep]
    g, x, other = w[i], y[i], y[j]
    cnt = np.bincount(g, minlength=nw).astype(np.float64)

    def centred(v: FloatArray) -> FloatArray:
        return np.asarray(v - _ratio(np.bincount(g, v, minlength=nw), cnt)[g], dtype=np.float64)

    dx, dy = centred(x), centred(other)
    vx, vy = np.bincount(g, dx * dx, minlength=nw), np.bincount(g, dy * dy, minlength=nw)
    cxy = np.bincount(g, dx * dy, minlength=nw)
    ratio_sq = _ratio(vx, vy)
    rho = _ratio(cxy, np.sqrt(vx * vy))
    r = _ratio(vx - vy, np.sqrt(np.maximum((vx + vy) ** 2 - 4 * cxy**2, 0.0)))
    n = np.bincount(w, minlength=nw).astype(np.float64)
    se = _ratio(np.ones(nw), np.sqrt(np.maximum(n - 3.0, 0.0)))
    fisher = np.arctanh(np.clip(r, -0.999999, 0.999999))

    def variance_ratio(corr: FloatArray) -> FloatArray:
        # invert corr = (F - 1) / sqrt((F + 1)^2 - 4 rho^2 F) for F, holding rho at its estimate
        b = (2.0 + 2.0 * corr**2 - 4.0 * rho**2 * corr**2) / (1.0 - corr**2)
        return np.asarray(
            b / 2.0 + np.sign(corr) * np.sqrt(np.maximum(b * b / 4.0 - 1.0, 0.0)), dtype=np.float64
        )

    lo = np.sqrt(variance_ratio(np.tanh(fisher - z * se)))
    hi = np.sqrt(variance_ratio(np.tanh(fisher + z * se)))
    p = 2.0 * norm.sf(np.abs(fisher) / se)
    return np.sqrt(ratio_sq), lo, hi, np.asarray(p, dtype=np.float64)


# above this many raters the offsets' covariance is taken as diagonal, since a pseudo-inverse costs n^3 (0.4 s
# at 1000): a little narrower where raters share few tasks (coverage 0.92 for 60 raters, 2 a task, 100 tasks)
MAX_EXACT_RATERS = 1000


def _task_variance(t: IntArray, w: IntArray, m_t: FloatArray, n_w: FloatArray) -> FloatArray:
    """Var(consensus of each task) / sigma^2, shape (n_tasks,): ``1/m_t`` for its own ratings plus
    ``a_t' C^+ a_t / m_t^2`` for the estimated offsets it subtracts, where ``a_t`` counts the task's raters and
    ``C = diag(n_w) - N diag(1/m_t) N'`` is the offsets' information after profiling the task means (the
    offsets against their mean; a task mean is uncorrelated with them, being orthogonal to the residuals)."""
    nt, nw = len(m_t), len(n_w)
    inv_m = np.where(m_t > 0, 1.0 / np.where(m_t > 0, m_t, 1.0), np.nan)
    if nw > MAX_EXACT_RATERS:
        info = np.bincount(w, 1.0 - inv_m[t], minlength=nw)
        diagonal = np.bincount(t, _ratio(np.ones(len(w)), info[w]), minlength=nt)
        return np.asarray(inv_m + diagonal * inv_m**2, dtype=np.float64)
    n = sparse.csr_matrix((np.ones(len(t)), (w, t)), shape=(nw, nt))
    info = np.diag(n_w) - (n @ sparse.diags(np.nan_to_num(inv_m)) @ n.T).toarray()
    # the null direction (a constant added to every offset) has eigenvalue 0 up to rounding: cut it, never invert it
    cov = np.linalg.pinv(info, rtol=1e-9, hermitian=True)
    order = np.argsort(t, kind="stable")
    ts, ws = t[order], w[order]
    quad = np.bincount(ts, cov[ws, ws], minlength=nt).astype(np.float64)
    for shift in range(1, int(m_t.max(initial=0))):  # a loop over raters per task, not rows
        same = ts[:-shift] == ts[shift:]
        quad = quad + 2.0 * np.bincount(
            ts[:-shift][same], cov[ws[:-shift][same], ws[shift:][same]], minlength=nt
        )
    return np.asarray(inv_m + np.maximum(quad, 0.0) * inv_m**2, dtype=np.float64)


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    """The weighted median of ``values`` (n,), ``weights`` (n,) > 0 whole counts: the midpoint of the two middle
    values when the weights split exactly in half, so that negating the values negates the median."""
    order = np.argsort(values, kind="stable")
    v, cum = values[order], np.cumsum(weights[order])
    k = int(np.searchsorted(cum, cum[-1] / 2.0))
    if cum[k] * 2.0 == cum[-1] and k + 1 < len(v):  # counts are whole, so the half is exact
        return float((v[k] + v[k + 1]) / 2.0)
    return float(v[k])


def _span_position(r: Ratings, keep: npt.NDArray[np.bool_], w: IntArray, n_w: FloatArray) -> FloatArray:
    """Where each kept rating falls in its worker's span of work, 0 (first) to 1 (last), shape (n_kept,).

    By ``order`` (``submitted_at`` seconds) when every rating has one, else by position in the file. On this
    axis a slope is the drift in scale points from the worker's first rating to their last, the unit of the
    contract's ``max_rater_offset``: a slope per second (about 1e-4 over a working day) would never reach it.
    A worker whose ratings all share one time has no span (NaN position, so no drift is measured).
    """
    nw = len(n_w)
    if r.order is not None and np.all(np.isfinite(r.order[keep])):
        when = r.order[keep].astype(np.float64)
        first, last = np.full(nw, np.inf), np.full(nw, -np.inf)
        np.minimum.at(first, w, when)
        np.maximum.at(last, w, when)
        return _ratio(when - first[w], (last - first)[w])
    seq = np.lexsort((np.arange(len(w)), w))
    pos = np.empty(len(w))
    start = np.concatenate([[0], np.cumsum(n_w)[:-1]]).astype(np.intp)
    pos[seq] = np.arange(len(w)) - start[w[seq]]
    return np.nan_to_num(_ratio(pos, np.maximum(n_w[w] - 1.0, 0.0)))


def rater_effects(
    r: Ratings, criterion: str, *, confidence: float = 0.95, max_iter: int = 500, tol: float = 1e-9
) -> RaterEffects:
    """Fit the additive rater-effects model on ``criterion`` and derive each rater's tendencies."""
    z = float(norm.ppf(0.5 + check_confidence(confidence) / 2.0))
    keep = r.criterion == r.criterion_code(criterion)
    low, high = r.scales[r.criterion_code(criterion)]
    t, w, y = r.task[keep], r.worker[keep], r.score[keep]
    nt, nw = r.n_tasks, r.n_workers
    m_t = np.bincount(t, minlength=nt).astype(np.float64)
    n_w = np.bincount(w, minlength=nw).astype(np.float64)
    offset = np.zeros(nw)
    mu = _ratio(np.bincount(t, y, minlength=nt), m_t)
    for _ in range(max_iter):
        mu = _ratio(np.bincount(t, y - offset[w], minlength=nt), m_t)
        new = _ratio(np.bincount(w, y - mu[t], minlength=nw), n_w)
        new = np.nan_to_num(new - np.sum(np.nan_to_num(new) * n_w) / max(n_w.sum(), 1.0))
        change = float(np.max(np.abs(new - offset), initial=0.0))
        offset = new
        if change < tol:
            break
    else:
        warn_convergence(f"rater_effects stopped at max_iter={max_iter}", stacklevel=2)
    # severity is relative to the typical rater: centre the offsets on their rating-weighted median, so
    # a block of harsh raters does not make everyone else look lenient (the mean would)
    rated = np.flatnonzero(n_w > 0)
    if len(rated):
        offset = offset - _weighted_median(offset[rated], n_w[rated])
    mu = _ratio(np.bincount(t, y - offset[w], minlength=nt), m_t)
    resid = y - mu[t] - offset[w]
    dof = len(y) - int((m_t > 0).sum()) - int((n_w > 0).sum()) + 1
    sigma = float(np.sqrt(resid @ resid / dof)) if dof > 0 else float("nan")
    # scores recorded on a grid of step h cannot show a residual SD below rounding's h / sqrt(12) (Sheppard):
    # an exact fit of few integer ratings is rounding, not certainty
    step = float(np.diff(np.unique(y)).min(initial=np.inf))
    sigma = max(sigma, step / np.sqrt(12.0)) if np.isfinite(step) else sigma
    info = np.bincount(w, 1.0 - 1.0 / m_t[t], minlength=nw)
    se_offset = sigma / np.sqrt(np.where(info > 0, info, np.nan))
    # Student t on the residual degrees of freedom: sigma itself is estimated, from few of them in a sparse design
    q = float(student.ppf(0.5 + confidence / 2.0, dof)) if dof > 0 else float("nan")
    se_task = sigma * np.sqrt(_task_variance(t, w, m_t, n_w))
    spread, spread_lo, spread_hi, spread_p = _spread(t, w, y, nw, z)
    # modal share: the most frequent score of each worker
    values, code = np.unique(y, return_inverse=True)
    cell = np.bincount(w * len(values) + code.reshape(-1), minlength=nw * len(values)).reshape(
        nw, len(values)
    )
    modal = _ratio(cell.max(axis=1, initial=0).astype(np.float64), n_w)  # no scores: NaN, not an error
    drift, se_drift = _group_ols(w, _span_position(r, keep, w, n_w), resid, nw)
    return RaterEffects(
        criterion=criterion,
        n_ratings=n_w.astype(np.intp),
        offset=np.where(n_w > 0, offset, np.nan),
        offset_interval=np.stack([offset - z * se_offset, offset + z * se_offset], axis=1),
        spread_ratio=spread,
        spread_interval=np.stack([spread_lo, spread_hi], axis=1),
        spread_p=spread_p,
        modal_share=modal,
        drift=drift,
        drift_interval=np.stack([drift - z * se_drift, drift + z * se_drift], axis=1),
        # on the criterion's scale: a task's score cannot leave it, though its offset-corrected mean can
        consensus=np.clip(mu, low, high),
        consensus_interval=np.clip(np.stack([mu - q * se_task, mu + q * se_task], axis=1), low, high),
        raters_per_task=m_t.astype(np.intp),
        residual_sd=sigma,
        workers=r.workers,
        tasks=r.tasks,
    )


def _straight_cells(r: Ratings) -> tuple[IntArray, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Per (worker, task) cell: its worker, whether it holds 2+ *distinct* criteria, and whether it holds one
    score only. A repeated row (the same criterion exported twice) is no second criterion: counting rows
    made every duplicated rating of a one-criterion rubric "one score on every criterion"."""
    key = r.worker.astype(np.int64) * r.n_tasks + r.task
    uniq, cell = np.unique(key, return_inverse=True)
    cell = cell.reshape(-1)
    lo = np.full(len(uniq), np.inf)
    hi = np.full(len(uniq), -np.inf)
    np.minimum.at(lo, cell, r.score)
    np.maximum.at(hi, cell, r.score)
    n_criteria = max(len(r.criteria), 1)
    distinct = np.unique(cell.astype(np.int64) * n_criteria + r.criterion)  # (cell, criterion) pairs
    multi = np.bincount(distinct // n_criteria, minlength=len(uniq)) >= 2
    return (uniq // r.n_tasks).astype(np.intp), multi, lo == hi


def straight_lining(r: Ratings) -> FloatArray:
    """Per worker (n_workers,): share of their tasks rated on 2+ criteria with one score on all of them."""
    worker, multi, flat = _straight_cells(r)
    lined = np.bincount(worker, multi & flat, minlength=r.n_workers).astype(np.float64)
    return _ratio(lined, np.bincount(worker, multi, minlength=r.n_workers).astype(np.float64))


def straight_lining_counts(r: Ratings) -> tuple[int, int]:
    """Over the batch: (worker, task) cells with one score on 2+ distinct criteria, and cells rated on 2+
    distinct criteria (the share's denominator; 0 on a one-criterion rubric, where it cannot be measured)."""
    _, multi, flat = _straight_cells(r)
    return int((multi & flat).sum()), int(multi.sum())
