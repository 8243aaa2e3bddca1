"""The compiled EM kernels behind ``labelpact.core.fused``: numba functions over a range of tasks of the
count matrix's CSR arrays, with the GIL released, cached on disk.

Per block of ``BLOCK`` tasks: gather each label's log-likelihood row into its task's scores, normalise the
block with log-sum-exp (flat loops over BLOCK x K that the compiler vectorises, and a polynomial exponential:
the C library's scalar exp costs 4 ns a call, more than a pass's memory traffic per cell), clamp gold rows,
write the posteriors, and scatter them into the M-step's tables while the block is in L1. Float64, no fast-math.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt
from llvmlite import ir  # type: ignore[import-untyped]
from numba.core import types
from numba.extending import intrinsic

from labelpact.core.annotations import FloatArray, IntArray

__all__ = [
    "BLOCK",
    "EXP_FLOOR",
    "compiled",
    "ds_rows",
    "exp_nonpositive",
    "mace_counts",
    "mace_rows",
    "normalise_block",
]

F = TypeVar("F", bound=Callable[..., Any])

AHEAD = 24  # labels between a table row's prefetch and its use
BLOCK = 64  # tasks normalised together: their (BLOCK, K) scores stay in L1 and vectorise as one run

# exp(x) = 2^n e^r, n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2] (Cody-Waite: LN2_HI has
# trailing zero bits, so n * LN2_HI is exact); e^r by its Taylor series to degree 13 (truncation < 1e-17)
LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01
LN2_LO = 1.90821492927058770002e-10
SHIFTER = 6755399441055744.0  # 1.5 * 2^52: x + SHIFTER - SHIFTER rounds x to an integer
EXP_FLOOR = -708.0  # below, exp is under 3.3e-308 and is returned as 0
TAYLOR = tuple(1.0 / float(np.prod(np.arange(1, i + 1))) for i in range(14))


def compiled(function: F, *, inline: bool = False) -> F:
    """``numba.njit`` with the GIL released and an on-disk cache where one can be written (``inline``: its
    body is inlined into its compiled callers, for a helper called in a hot loop).

    The cache sits in ``__pycache__`` beside this file, or numba's per-user cache directory; where neither
    is writable numba refuses at decoration time, and the function then compiles on first call instead.
    """
    options: dict[str, Any] = {"nogil": True, "fastmath": False, "error_model": "numpy"}
    if inline:
        options["inline"] = "always"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cast(F, numba.njit(cache=True, **options)(function))
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return cast(F, numba.njit(cache=False, **options)(function))


def _prefetch_typed(typingctx: Any, table: Any, row: Any) -> Any:
    """Ask the cache for row ``row`` of a C-contiguous 2-D float64 ``table`` ahead of its use (LLVM's
    ``llvm.prefetch``: a hint, never a fault): the M-step tables are read at random, a few MB in all."""
    sig = types.void(table, types.intp)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array = context.make_array(signature.args[0])(context, builder, args[0])
        stride = builder.extract_value(array.strides, 0)
        address = builder.add(builder.ptrtoint(array.data, ir.IntType(64)), builder.mul(args[1], stride))
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
        for offset in (0, 64):  # a row of K <= 16 float64 spans at most two 64-byte lines
            line = builder.inttoptr(builder.add(address, ir.Constant(ir.IntType(64), offset)), i8p)
            builder.call(fn, [line, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


_prefetch: Any = intrinsic(_prefetch_typed)  # called in compiled code as _prefetch(table, row)


@compiled
def exp_nonpositive(x: FloatArray, bits: IntArray, n: int) -> None:
    """``x[:n] = exp(x[:n])`` in place for ``x <= 0``, within 2 ulp of the C library; ``bits`` (>= n,) int64 scratch."""
    for i in range(n):
        v = x[i]
        keep = v >= EXP_FLOOR
        v = max(v, EXP_FLOOR)
        nf = (v * LOG2E + SHIFTER) - SHIFTER
        r = (v - nf * LN2_HI) - nf * LN2_LO
        p = TAYLOR[13]
        for j in range(12, -1, -1):  # Horner, a constant trip count the compiler unrolls
            p = p * r + TAYLOR[j]
        x[i] = p if keep else 0.0
        bits[i] = (np.int64(nf) + 1023) << 52
    scale = bits.view(np.float64)
    for i in range(n):
        x[i] *= scale[i]


@compiled
def ds_rows(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    log_conf: FloatArray,
    log_prior: FloatArray,
    gold: IntArray,
    lo: int,
    hi: int,
    posteriors: FloatArray,
    expected: FloatArray,
    posterior_sum: FloatArray,
    plain: npt.NDArray[np.bool_],
) -> float:
    """Dawid-Skene's E-step and M-step tables over tasks [lo, hi); returns their log evidence.

    ``indptr``, ``indices``, ``data``: CSR of the (n_tasks, W * K) count matrix; ``log_conf`` (W * K, K)
    [worker * K + observed, true]; ``log_prior`` (K,); ``gold`` (n_tasks,) class or -1, or (0,) for none.
    Writes ``posteriors[lo:hi]`` (n_tasks, K) and adds each label's count times its task's posterior to
    ``expected`` (W * K, K) and the posteriors to ``posterior_sum`` (K,).

    ``plain`` (n_tasks,) marks the tasks whose counts are all 1, or is (0,): their counts are neither read
    nor multiplied, the same sums (1.0 * x == x) for about a tenth less time.
    """
    k = log_prior.shape[0]
    known = plain.shape[0] > 0
    nnz = indptr[indptr.shape[0] - 1]  # labels; prefetches look no further
    scores = np.empty(BLOCK * k)
    top = np.empty(BLOCK)
    column_sum = np.zeros(BLOCK * k)
    spread = np.empty(BLOCK * k)
    bits = np.empty(BLOCK * k, np.int64)
    flat = posteriors.reshape(-1)
    evidence = 0.0
    for first in range(lo, hi, BLOCK):
        n = min(BLOCK, hi - first)
        for b in range(n):
            o = b * k
            for j in range(k):
                scores[o + j] = log_prior[j]
            e, end = indptr[first + b], indptr[first + b + 1]
            if end + AHEAD < nnz:
                for f in range(e + AHEAD, end + AHEAD):
                    _prefetch(log_conf, indices[f])
            unit = known and plain[first + b]
            while e + 1 < end:  # labels in pairs: half the chain of dependent additions
                c, d = indices[e], indices[e + 1]
                if unit:
                    for j in range(k):
                        scores[o + j] += log_conf[c, j] + log_conf[d, j]
                else:
                    x, y = data[e], data[e + 1]
                    for j in range(k):
                        scores[o + j] += x * log_conf[c, j] + y * log_conf[d, j]
                e += 2
            if e < end:
                c = indices[e]
                x = 1.0 if unit else data[e]
                for j in range(k):
                    scores[o + j] += x * log_conf[c, j]
            top[b] = _row_max(scores, o, k)
        evidence += normalise_block(scores, top, n, k, first, gold, flat, column_sum, spread, bits)
        for b in range(n):  # the M-step, while the block's posteriors are still in ``scores``
            unit = known and plain[first + b]
            _scatter_task(indptr, indices, data, first + b, unit, scores, b * k, expected, nnz)
    for b in range(BLOCK):
        for j in range(k):
            posterior_sum[j] += column_sum[b * k + j]
    return evidence


@partial(compiled, inline=True)
def _scatter_task(
    indptr: IntArray,
    indices: IntArray,
    data: FloatArray,
    t: int,
    unit: bool,
    scores: FloatArray,
    o: int,
    expected: FloatArray,
    nnz: int,
) -> None:
    """Dawid-Skene's M-step for task ``t``: each label adds its count times the task's posterior
    (``scores[o:o + K]``) to its row of ``expected`` (W * K, K); with ``unit`` the counts are all 1."""
    k = expected.shape[1]
    e, end = indptr[t], indptr[t + 1]
    if end + AHEAD < nnz:
        for f in range(e + AHEAD, end + AHEAD):
            _prefetch(expected, indices[f])
    for f in range(e, end):
        c = indices[f]
        if unit:
            for j in range(k):
                expected[c, j] += scores[o + j]
        else:
            x = data[f]
            for j in range(k):
                expected[c, j] += x * scores[o + j]


@compiled
def mace_rows(
    indptr: IntArray,
    position: IntArray,
    label_of: IntArray,
    data: FloatArray,
    value: FloatArray,
    gold: IntArray,
    lo: int,
    hi: int,
    posteriors: FloatArray,
    chose_true: FloatArray,
) -> float:
    """MACE's E-step over tasks [lo, hi) and each used pair's posterior mass on the class it gave.

    Entry e of the count matrix is a label of used (worker, class) pair ``position[e]``, class
    ``label_of[position[e]]``; it adds ``data[e] * value[position[e]]`` (log P(either) - log P(spam)) to
    its class's score. Writes ``posteriors[lo:hi]`` (n_tasks, K), adds count x posterior of the given class
    to ``chose_true`` (n_used,), and returns the tasks' log evidence (uniform prior, spam terms left out).
    """
    k = posteriors.shape[1]
    scores = np.empty(BLOCK * k)
    top = np.empty(BLOCK)
    column_sum = np.zeros(BLOCK * k)  # unused: MACE's prior is uniform
    spread = np.empty(BLOCK * k)
    bits = np.empty(BLOCK * k, np.int64)
    flat = posteriors.reshape(-1)
    evidence = 0.0
    for first in range(lo, hi, BLOCK):
        n = min(BLOCK, hi - first)
        scores[: n * k] = 0.0
        for b in range(n):
            for e in range(indptr[first + b], indptr[first + b + 1]):
                u = position[e]
                scores[b * k + label_of[u]] += data[e] * value[u]
            top[b] = _row_max(scores, b * k, k)
        evidence += normalise_block(scores, top, n, k, first, gold, flat, column_sum, spread, bits)
        for b in range(
            n
        ):  # each label's pair gets its task's posterior on the class given (still in ``scores``)
            for e in range(indptr[first + b], indptr[first + b + 1]):
                u = position[e]
                chose_true[u] += data[e] * scores[b * k + label_of[u]]
    return evidence


@compiled
def mace_counts(
    indptr: IntArray,
    position: IntArray,
    label_of: IntArray,
    data: FloatArray,
    lo: int,
    hi: int,
    posteriors: FloatArray,
    chose_true: FloatArray,
) -> float:
    """``mace_rows``' ``chose_true`` alone, from given posteriors (n_tasks, K) of tasks [lo, hi); returns 0."""
    for t in range(lo, hi):
        for e in range(indptr[t], indptr[t + 1]):
            u = position[e]
            chose_true[u] += data[e] * posteriors[t, label_of[u]]
    return 0.0


@compiled
def _row_max(scores: FloatArray, o: int, k: int) -> float:
    """The largest of ``scores[o:o + k]`` (``normalise_block`` subtracts it in a flat pass)."""
    m = scores[o]
    for j in range(1, k):
        m = max(m, scores[o + j])
    return float(m)


@compiled
def normalise_block(
    scores: FloatArray,
    top: FloatArray,
    n: int,
    k: int,
    first: int,
    gold: IntArray,
    flat: FloatArray,
    column_sum: FloatArray,
    spread: FloatArray,
    bits: IntArray,
) -> float:
    """Rows ``first .. first + n`` of the posteriors (``flat``: (n_tasks * K,), row-major) from the block's raw
    ``scores`` (n * K,) and each row's maximum ``top`` (n,): log-sum-exp, gold rows set to their class; adds
    each cell to ``column_sum`` (BLOCK * K,), which the caller folds to (K,). Returns the rows' log evidence.

    Per-row values are spread over the row's cells (``spread``, ``bits``: (BLOCK * K,) scratch), so the
    cell-wise passes are flat loops over n * K that the compiler vectorises (a loop over K is too short).
    """
    m = n * k
    evidence = 0.0
    for b in range(n):
        evidence += top[b]
        for j in range(k):
            spread[b * k + j] = top[b]
    for i in range(m):
        scores[i] -= spread[i]
    exp_nonpositive(scores, bits, m)
    product = 1.0
    for b in range(n):
        total = 0.0
        for j in range(k):
            total += scores[b * k + j]
        product *= total  # each total lies in [1, K]: eight of them never overflow
        if b % 8 == 7:
            evidence += np.log(product)
            product = 1.0
        for j in range(k):
            spread[b * k + j] = total
    if gold.shape[0] > 0:
        for b in range(n):
            g = gold[first + b]
            if g >= 0:  # a gold row is its class: one over one, zeros over one
                for j in range(k):
                    scores[b * k + j] = 1.0 if j == g else 0.0
                    spread[b * k + j] = 1.0
    base = first * k
    for i in range(m):
        p = scores[i] / spread[i]
        scores[i] = p
        flat[base + i] = p
        column_sum[i] += p
    return float(evidence + np.log(product))
